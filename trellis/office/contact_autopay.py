"""The contact's autopay on their office page: each enrollment in force (for
which property, with which method, since when, and the words the customer
agreed to), and its Turn off button.

Staff may turn autopay off (a customer asks on the phone, a card is in
dispute), never on: turning it on is the customer's own agreement, given in
the portal (trellis.autopay.services)."""

from __future__ import annotations

from dataclasses import dataclass

from django.contrib import messages
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.urls import reverse

from trellis.autopay.models import Enrollment
from trellis.autopay.services import AutopayRefused, autopay_turn_off, enrollments_of
from trellis.customers.models import Contact
from trellis.office.guard import staff_of

TURN_OFF_PERMISSION = "customers.change_contact"
ALL_PROPERTIES = "All properties"


def enrollment_where(enrollment: Enrollment) -> str:
    return enrollment.property.name if enrollment.property else ALL_PROPERTIES


@dataclass(frozen=True)
class AutopayRow:
    enrollment: Enrollment

    @property
    def where(self) -> str:
        return enrollment_where(self.enrollment)

    @property
    def turn_off_url(self) -> str:
        return reverse(
            "office:contact-autopay-turn-off",
            kwargs={"contact_id": self.enrollment.contact_id, "enrollment_id": self.enrollment.pk},
        )


@dataclass(frozen=True)
class AutopayPanel:
    """What the contact's page shows of their autopay."""

    rows: list[AutopayRow]
    can_turn_off: bool


def autopay_panel(request: HttpRequest, contact: Contact) -> AutopayPanel:
    enrollments = enrollments_of(contact=contact)  # all properties first, then by property
    return AutopayPanel(
        rows=[AutopayRow(e) for e in enrollments],
        can_turn_off=request.user.has_perm(TURN_OFF_PERMISSION),
    )


def autopay_turn_off_and_tell(request: HttpRequest, contact: Contact, enrollment_id: int) -> None:
    """Turn off one of the contact's enrollments, as the staff member, and say
    so; 404 for an enrollment that is not the contact's."""
    enrollment = get_object_or_404(
        Enrollment.objects.select_related("property"), pk=enrollment_id, contact=contact
    )
    where = enrollment_where(enrollment)
    if not enrollment.active:
        messages.info(request, f"Autopay for {where} was already off.")
        return
    try:
        autopay_turn_off(enrollment=enrollment, user=staff_of(request))
    except AutopayRefused as refusal:
        messages.error(request, refusal.message)
        return
    messages.success(
        request,
        f"Autopay turned off for {where if enrollment.property else where.lower()}. "
        f"{contact.full_name} can turn it on again in the portal.",
    )
