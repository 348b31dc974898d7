"""What the security-check tests walk: every URL of the portal and of the office,
with its path arguments taken from real objects.

A URL added later without an entry here makes the walking tests fail (a
KeyError naming it): the checks then cover it too, or say why not.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from decimal import Decimal

from django.contrib import admin
from django.contrib.contenttypes.models import ContentType
from django.urls import URLPattern, reverse
from django.utils import timezone

from trellis.autopay.authorisation import AUTHORISATION_VERSION
from trellis.autopay.models import Enrollment
from trellis.autopay.services import autopay_turn_on
from trellis.billing.bank_accounts import bank_account_add
from trellis.billing.models import Invoice, Payment, PaymentMethod
from trellis.billing.payments import invoice_pay
from trellis.billing.tests.methods import due_invoice, saved_card
from trellis.company.models import Company
from trellis.customers.models import Contact, Property
from trellis.issues.models import Issue, Photo
from trellis.issues.tests.photos import png
from trellis.office import urls as office_urlconf
from trellis.office.tests.objects import MAKERS, office_arguments
from trellis.portal import urls as portal_urls
from trellis.proposals.models import Proposal
from trellis.sandbox_processor.testing import bank_account_token
from trellis.testing.factories import IssueFactory, ProposalFactory


@dataclass(frozen=True)
class PortalWorld:
    """One contact's objects, each reachable from a portal URL."""

    contact: Contact
    invoice: Invoice
    proposal: Proposal
    issue: Issue
    photo: Photo
    method: PaymentMethod
    payment: Payment
    bank_account: PaymentMethod
    enrollment: Enrollment


def portal_world(contact: Contact) -> PortalWorld:
    """A due invoice partly paid, a sent proposal and a request with a photo on a
    property where `contact` is Primary, a saved card (on autopay for the
    property) and a bank account waiting for its deposits. Needs MEDIA_ROOT in
    a temporary folder (the photo is written to storage)."""
    invoice = due_invoice(contact)
    prop = invoice.property
    proposal = ProposalFactory(
        property=prop, status=Proposal.Status.SENT, printed_at=timezone.now()
    )
    issue = IssueFactory(property=prop)
    photo = Photo(issue=issue, content_type="image/png", size=1, original_name="garden.png")
    photo.image.save("photo", png(), save=False)
    photo.save()
    method = saved_card(contact)
    payment = invoice_pay(
        invoice_id=invoice.pk,
        contact=contact,
        company=Company.load(),
        method=method,
        amount=Decimal("10.00"),
        idempotency_key=uuid.uuid4().hex,
    )
    return PortalWorld(
        contact, invoice, proposal, issue, photo, method, payment, *bank_and_autopay(method, prop)
    )


def bank_and_autopay(method: PaymentMethod, prop: Property) -> tuple[PaymentMethod, Enrollment]:
    """A bank account of the method's contact waiting for its two deposits, and
    autopay with `method` for `prop`: the objects of the bank and autopay URLs."""
    contact = method.contact
    bank_account = bank_account_add(
        contact=contact,
        token=bank_account_token(),
        holder_name=contact.full_name,
        saved_by=None,
        make_default=False,
    )
    if hasattr(contact, "portal_account"):
        enrollment = autopay_turn_on(
            contact=contact,
            user=contact.portal_account,
            method=method,
            property=prop,
            version=AUTHORISATION_VERSION,
            company=Company.load(),
        )
    else:  # a contact staff preview without an account: as if they had turned it on
        enrollment = Enrollment.objects.create(
            contact=contact,
            property=prop,
            method=method,
            authorisation_text="I authorise…",
            authorisation_version=AUTHORISATION_VERSION,
        )
    return bank_account, enrollment


# The object each portal URL's `pk` names.
PK_OF = {
    "invoice": "invoice",
    "invoice-pdf": "invoice",
    "invoice-pay": "invoice",
    "payment": "invoice",
    "payment-retry": "invoice",
    "proposal": "proposal",
    "proposal-pdf": "proposal",
    "proposal-approve": "proposal",
    "proposal-decline": "proposal",
    "request": "issue",
    "request-comment": "issue",
    "request-photo": "issue",
    "payment-method-default": "method",
    "payment-method-remove": "method",
    "bank-account-verify": "bank_account",
    "autopay-off": "enrollment",
}
# Arguments that are not an object id of the contact's.
TOKEN_ARGUMENTS = {"token"}


def portal_patterns() -> list[URLPattern]:
    return [p for p in portal_urls.urlpatterns if isinstance(p, URLPattern)]


def arguments_of(pattern: URLPattern) -> set[str]:
    route = pattern.pattern
    return set(getattr(route, "converters", {})) | set(route.regex.groupindex)


def portal_url(pattern: URLPattern, world: PortalWorld | None) -> str:
    """The pattern's URL for the world's objects (any object id if `world` is None)."""
    kwargs: dict[str, object] = {}
    for argument in arguments_of(pattern):
        if argument in TOKEN_ARGUMENTS:
            kwargs[argument] = "made-up-link"  # no link of anyone's
        elif world is None:
            kwargs[argument] = 999_999
        elif argument == "pk":
            kwargs[argument] = getattr(world, PK_OF[pattern.name]).pk
        elif argument == "payment_pk":
            kwargs[argument] = world.payment.pk
        elif argument == "photo_id":
            kwargs[argument] = world.photo.pk
        else:
            raise KeyError(f"portal:{pattern.name} takes {argument!r}: say which object it is")
    return reverse(f"portal:{pattern.name}", kwargs=kwargs)


def portal_object_patterns() -> list[URLPattern]:
    """The portal URLs that take an id of one of the contact's objects."""
    return [p for p in portal_patterns() if arguments_of(p) - TOKEN_ARGUMENTS]


def office_urls() -> list[tuple[str, str]]:
    """(name, URL) of every named page of the office: the site's own pages and
    each model's, custom buttons included, for an object of every model."""
    urls: list[tuple[str, str]] = []
    contact_type = ContentType.objects.get_for_model(Contact)
    site_arguments = {"app_label": "customers", "content_type_id": contact_type.pk}
    for pattern in admin.site.get_urls():
        if isinstance(pattern, URLPattern) and pattern.name:
            kwargs = {a: site_arguments.get(a) for a in arguments_of(pattern)}
            if "object_id" in kwargs:
                kwargs["object_id"] = MAKERS["customers.contact"]().pk
            urls.append((pattern.name, reverse(f"admin:{pattern.name}", kwargs=kwargs)))
    for model, model_admin in admin.site._registry.items():
        # A model of a third-party app without a maker yet: its pages are still
        # walked, for an id that exists nowhere.
        maker = MAKERS.get(model._meta.label_lower)
        pk = maker().pk if maker else 999_999
        for pattern in model_admin.get_urls():
            if pattern.name:  # the unnamed one only redirects to the change page
                kwargs = {argument: pk for argument in arguments_of(pattern)}
                urls.append((pattern.name, reverse(f"admin:{pattern.name}", kwargs=kwargs)))
    # The office's own pages (trellis/office/urls.py), for an object of each parameter.
    return urls + office_own_urls()


def office_patterns() -> list[tuple[str, URLPattern]]:
    """(name, pattern) of every page in the office's own URLconf."""
    return [(f"office:{p.name}", p) for p in office_urlconf.urlpatterns if p.name]


def office_own_urls() -> list[tuple[str, str]]:
    arguments = office_arguments()
    return [
        (name, reverse(name, kwargs={a: arguments[a] for a in arguments_of(pattern)}))
        for name, pattern in office_patterns()
    ]
