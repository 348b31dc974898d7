"""One object of every model the office shows, for tests that visit them all."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from django.contrib.auth.models import Group
from django.db import models
from django.urls import reverse
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from trellis.accounts.attempts import attempt_record
from trellis.accounts.models import AccessAttempt, AccessToken
from trellis.accounts.tokens import staff_token_issue, token_issue
from trellis.audit.services import audit_record
from trellis.bulk_charging.models import Batch
from trellis.company.models import Company
from trellis.mail.models import EmailTemplate
from trellis.mail.tests.emails import queue_email
from trellis.testing.factories import (
    CommentFactory,
    ContactFactory,
    InvoiceFactory,
    IssueFactory,
    PropertyContactFactory,
    PropertyFactory,
    ProposalFactory,
    StaffFactory,
)


def _audit_entry() -> models.Model:
    contact = ContactFactory()
    return audit_record(action="contact.changed", target=contact)


def _email_template() -> models.Model:
    return EmailTemplate.objects.get_or_create(
        kind=EmailTemplate.Kind.INVITATION,
        language="en",
        defaults={"subject": "Welcome", "body": "Join us: {invitation_link}"},
    )[0]


def _access_attempt() -> models.Model:
    return attempt_record(
        kind=AccessAttempt.Kind.SIGN_IN,
        email="someone@example.com",
        ip="203.0.113.5",
        result=AccessAttempt.Result.WRONG_CREDENTIALS,
    )


def _access_token() -> models.Model:
    contact = ContactFactory()
    return token_issue(
        contact=contact,
        purpose=AccessToken.Purpose.INVITATION,
        sent_to=contact.email,
        lifetime=timedelta(days=7),
    )[0]


def _totp_device() -> models.Model:
    return TOTPDevice.objects.create(user=StaffFactory(), name="Authenticator app")


def _static_device() -> models.Model:
    return StaticDevice.objects.create(user=StaffFactory(), name="Recovery codes")


def _group() -> models.Model:
    return Group.objects.create(name=f"Crew {Group.objects.count()}")


# Each model's admin, by "app_label.model_name", and a way to make one of it.
MAKERS: dict[str, Callable[[], models.Model]] = {
    "accounts.user": StaffFactory,
    "auth.group": _group,
    "company.company": Company.load,
    "audit.auditentry": _audit_entry,
    "customers.contact": ContactFactory,
    "customers.property": PropertyFactory,
    "customers.propertycontact": PropertyContactFactory,
    "proposals.proposal": ProposalFactory,
    "billing.invoice": InvoiceFactory,
    "issues.issue": IssueFactory,
    "issues.comment": CommentFactory,
    "mail.outgoingemail": queue_email,
    "accounts.accessattempt": _access_attempt,
    "accounts.accesstoken": _access_token,
    "mail.emailtemplate": _email_template,
    "otp_totp.totpdevice": _totp_device,
    "otp_static.staticdevice": _static_device,
}


def admin_url(label: str, page: str, *args: object) -> str:
    """The URL of one of a model's admin pages: "changelist", "add", "change"…"""
    app_label, model_name = label.split(".")
    return reverse(f"admin:{app_label}_{model_name}_{page}", args=args)


def office_arguments() -> dict[str, int | str]:
    """An object for every parameter an `office:` URL takes, by the parameter's
    name, the dependent ones belonging to their parents (the payment to the
    invoice, the photo to the request…); a set-password link's `token` is the
    raw token of a real pending one. A new parameter gets its line here;
    the URL walks (the permission matrix, the security checks) ask this."""
    from trellis.issues.models import Photo
    from trellis.issues.tests.photos import png
    from trellis.mail.models import OutgoingAttachment
    from trellis.testing.factories import OfflinePaymentFactory

    invoice = InvoiceFactory()
    request = IssueFactory()
    photo = Photo(issue=request, content_type="image/png", size=1, original_name="garden.png")
    photo.image.save("photo", png(), save=False)
    photo.save()
    email = queue_email()
    attachment = OutgoingAttachment.objects.create(
        email=email, filename="a.txt", content_type="text/plain", content=b"hello"
    )
    contact = ContactFactory()
    return {
        "contact_id": contact.pk,
        "enrollment_id": _enrollment(contact).pk,
        "batch_id": Batch.objects.create(key="office-arguments", created_by=StaffFactory()).pk,
        "property_id": PropertyFactory().pk,
        "proposal_id": ProposalFactory().pk,
        "invoice_id": invoice.pk,
        "payment_id": OfflinePaymentFactory(invoice=invoice).pk,
        "request_id": request.pk,
        "photo_id": photo.pk,
        "comment_id": CommentFactory(issue=request).pk,
        "email_id": email.pk,
        "attachment_id": attachment.pk,
        "user_id": StaffFactory().pk,
        "template_id": _email_template().pk,
        "token": _staff_password_link(),
    }


def _enrollment(contact: models.Model) -> models.Model:
    """The contact's autopay for all their properties, with a saved card."""
    from trellis.autopay.models import Enrollment
    from trellis.billing.tests.methods import saved_card

    return Enrollment.objects.create(
        contact=contact,
        method=saved_card(contact, is_default=True),  # type: ignore[arg-type]
        authorisation_text="I authorise the company to charge my card for my invoices.",
        authorisation_version="test",
    )


def _staff_password_link() -> str:
    member = StaffFactory()
    return staff_token_issue(user=member, sent_to=member.email, lifetime=timedelta(days=3))[1]
