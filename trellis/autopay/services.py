"""Turning autopay on (the customer only) and off (the customer or staff).

Each change locks the contact's row, so two at once cannot both leave an
enrollment for the same property; each writes its audit entry in its
transaction. Turning autopay on again for a property replaces the
enrollment (a new method, new words agreed to) rather than adding one.
"""

from __future__ import annotations

from django.db import transaction
from django.db.models import F, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from trellis.accounts.models import User
from trellis.audit.services import audit_record
from trellis.autopay.authorisation import AUTHORISATION_VERSION, authorisation_text
from trellis.autopay.models import Enrollment
from trellis.billing.models import PaymentMethod
from trellis.billing.payments import method_problem
from trellis.company.models import Company
from trellis.customers.models import Contact, Property
from trellis.refusals import Refused
from trellis.request_context import current_client_ip
from trellis.visibility import visible_properties


class AutopayRefused(Refused):
    """Autopay cannot be turned on so; `message` says why, in the customer's words."""


def enrollments_of(*, contact: Contact) -> QuerySet[Enrollment]:
    """The contact's autopay in force: for all properties first, then by property."""
    return (
        Enrollment.objects.filter(contact=contact, ended_at__isnull=True)
        .select_related("method", "property")
        .order_by(F("property").asc(nulls_first=True), "property__name", "pk")
    )


def autopay_turn_on(
    *,
    contact: Contact,
    user: User,
    method: PaymentMethod,
    property: Property | None,
    version: str,
    company: Company,
) -> Enrollment:
    """Turn autopay on for `property` (None: all the contact's properties)
    with `method`, the customer having agreed to the authorisation of
    `version` (the one their page showed). Raises AutopayRefused."""
    if user.contact_id != contact.pk:
        raise AutopayRefused(_("Only the customer can turn autopay on."))
    if version != AUTHORISATION_VERSION:
        raise AutopayRefused(
            _("The autopay terms have changed since the page was shown: read them again.")
        )
    problem = method_problem(method=method, contact=contact)
    if problem:
        raise AutopayRefused(problem)
    if (
        property is not None
        and not visible_properties(contact=contact).filter(pk=property.pk).exists()
    ):
        raise AutopayRefused(_("Choose one of your properties."))
    text = authorisation_text(company=company, method=method, property=property)
    with transaction.atomic():
        Contact.objects.select_for_update().filter(pk=contact.pk).first()
        replaced = list(
            Enrollment.objects.filter(contact=contact, property=property, ended_at__isnull=True)
        )
        now = timezone.now()
        for old in replaced:
            old.ended_at = now
            old.save(update_fields=["ended_at"])
        enrollment = Enrollment.objects.create(
            contact=contact,
            property=property,
            method=method,
            authorisation_text=text,
            authorisation_version=version,
            authorised_at=now,
            authorised_from=current_client_ip(),
        )
        audit_record(
            action="autopay.on",
            actor=user,
            target=enrollment,
            data={
                "contact": contact.pk,
                "property": property.pk if property else "all",
                "method": str(method),
                "version": version,
                "replaces": [old.pk for old in replaced],
            },
        )
    return enrollment


def autopay_turn_off(*, enrollment: Enrollment, user: User) -> Enrollment:
    """End `enrollment`: by its customer, or by staff (recorded as who ended
    it). Invoices are no longer charged from then on; ending one already
    ended changes nothing."""
    with transaction.atomic():
        locked = Enrollment.objects.select_for_update().get(pk=enrollment.pk)
        if locked.ended_at is not None:
            return locked
        by_staff = user.contact_id != locked.contact_id
        if by_staff and not user.is_staff:
            raise AutopayRefused(_("Only the customer or staff can turn autopay off."))
        locked.ended_at = timezone.now()
        locked.ended_by_staff = user if by_staff else None
        locked.save(update_fields=["ended_at", "ended_by_staff"])
        audit_record(
            action="autopay.off",
            actor=user,
            target=locked,
            data={"contact": locked.contact_id, "by_staff": by_staff},
        )
    return locked
