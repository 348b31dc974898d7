"""Troubleshoot portal access: the checks of the reference article "Customer
Portal 2.0 - Basic troubleshooting", run for one contact, each passed or failed
in plain words, with the fix where there is one.

Under "Unable to view expected content" staff can choose one proposal,
invoice or request (`?document=invoice:12`) and see whether the contact sees
it, and why not (trellis.office.doctor_document).

Every verdict about what the contact sees comes from trellis.visibility, the
module the portal itself enforces: nothing here decides visibility.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.core.exceptions import ObjectDoesNotExist
from django.db.models import Prefetch
from django.http import HttpRequest, HttpResponse
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone

from trellis.accounts.models import AccessAttempt, AccessToken, User
from trellis.billing.models import Invoice
from trellis.company.models import Company
from trellis.customers.models import Contact, Property, PropertyContact
from trellis.customers.selectors import contact_invitations
from trellis.issues.models import Issue
from trellis.mail.senders import sender_on_behalf_of
from trellis.office.contact_portal import (
    _contact_or_404,
    can_invite,
    contact_messages_url,
    staff_user,
)
from trellis.office.doctor_checks import Check, Fix
from trellis.office.doctor_document import (
    SHOWN,
    DocumentNotFound,
    document_check,
    document_chooser,
    document_chosen,
)
from trellis.portal.preview import can_view_as
from trellis.proposals.models import Proposal
from trellis.visibility import PropertyRole, SectionOn

if TYPE_CHECKING:
    from django.contrib.admin import ModelAdmin

# How many of the contact's reset emails and access attempts are read.
RECENT = 20


def _account(contact: Contact) -> User | None:
    try:
        return contact.portal_account
    except ObjectDoesNotExist:
        return None


def _email_status(token: AccessToken) -> str:
    email = token.email
    if email is None:
        return "no email recorded"
    status = email.get_status_display().lower()
    if email.last_error:
        return f"{status}: {email.last_error}"
    return status


def _payment_methods(contact: Contact) -> Check:
    methods = list(contact.payment_methods.filter(removed_at__isnull=True))
    if not methods:
        return Check(
            "Cannot view payment methods",
            False,
            [
                f"{contact.full_name} has no saved payment methods, so the portal lists none.",
                "They can add one from Manage Payments, or while paying an invoice.",
            ],
            Fix(
                "Save a payment method for this contact",
                reverse("admin:customers_contact_payment_method", args=[contact.pk]),
            ),
        )
    today = timezone.localdate()
    lines = [
        f"{method} (expires {method.exp_month:02d}/{method.exp_year})"
        + (" — expired" if method.expired_on(today) else "")
        for method in methods
    ]
    return Check("Cannot view payment methods", True, lines)


def _content(contact: Contact, company: Company) -> Check:
    roles = PropertyContact.objects.filter(contact=contact)
    properties = (
        Property.objects.filter(roles__contact=contact)
        .distinct()
        .order_by("name", "id")
        .prefetch_related(Prefetch("roles", queryset=roles))
    )
    lines: list[str] = []
    seen = 0
    for prop in properties:
        failure = PropertyRole.failure(contact, prop)
        if failure is None:
            seen += 1
            held = ", ".join(sorted({PropertyContact.Role(r.role).label for r in prop.roles.all()}))
            lines.append(f"Sees {prop} as its {held} contact.")
        else:
            lines.append(failure.message)
    if not lines:
        lines.append(f"{contact.full_name} holds no role on any property.")
    off = [
        failure.message
        for failure in (SectionOn.failure(company, model) for model in (Proposal, Invoice, Issue))
        if failure is not None
    ]
    lines.extend(off)
    return Check("Unable to view expected content", seen > 0 and not off, lines, key="content")


def _invite(contact: Contact, company: Company, staff: User | None) -> Check:
    lines: list[str] = []
    fix = None
    account = _account(contact)
    passed = True
    if account is not None:
        lines.append(
            f"{contact.full_name} is already Customer Portal Verified: no invitation can be "
            f"sent. They sign in with {contact.email}; send a password reset if they forgot "
            "their password."
        )
        fix = Fix(
            "Send password reset",
            reverse("admin:customers_contact_password_reset", args=[contact.pk]),
            "post",
        )
    invitations = list(contact_invitations(contact=contact))
    if account is None and not invitations:
        passed = False
        lines.append(f"{contact.full_name} has not been invited yet.")
    now = timezone.now()
    for invitation in invitations:
        state = AccessToken.State(invitation.state_at(now)).label.lower()
        lines.append(
            f"Invitation of {timezone.localtime(invitation.created_at):%Y-%m-%d %H:%M} to "
            f"{invitation.sent_to}: {state}; email {_email_status(invitation)}."
        )
    if account is None:
        latest = invitations[0] if invitations else None
        if latest is not None and (latest.email is None or latest.email.status == "failed"):
            passed = False
        if latest is not None and latest.state_at(now) != AccessToken.State.PENDING:
            passed = False
        fix = Fix(
            "Send Customer Portal invite",
            reverse("admin:customers_contact_invite", args=[contact.pk]),
            "post",
        )
    if staff is not None:
        sender = sender_on_behalf_of(staff=staff, company=company)
        domain = (staff.email or "").rpartition("@")[2]
        verified = company.sends_for_domain(domain)
        lines.append(
            f"The next invitation would be sent from {sender.from_header}"
            + (f", replies to {sender.reply_to}" if sender.reply_to else "")
            + "."
        )
        lines.append(
            f"The domain {domain} is verified for sending."
            if verified
            else f"The domain {domain} is not verified for sending, so the company's "
            "address is used instead."
        )
    lines.append(
        "Ask them to check their spam or junk folder, and to add the sender to their "
        "approved senders."
    )
    return Check("Hasn't received the invite", passed, lines, fix)


def _password_reset(contact: Contact) -> Check:
    account = _account(contact)
    lines: list[str] = []
    if account is None:
        lines.append(f"{contact.full_name} has no portal account: there is no password to reset.")
    elif not account.is_active:
        lines.append(f"{contact.full_name}'s portal account is deactivated.")
    else:
        lines.append(f"{contact.full_name}'s portal account is active.")
    resets = list(
        AccessToken.objects.filter(contact=contact, purpose=AccessToken.Purpose.PASSWORD_RESET)
        .select_related("email")
        .order_by("-created_at", "-id")[:RECENT]
    )
    if not resets:
        lines.append("No password reset email has been sent.")
    for reset in resets:
        lines.append(
            f"Password reset of {timezone.localtime(reset.created_at):%Y-%m-%d %H:%M} to "
            f"{reset.sent_to}: email {_email_status(reset)}."
        )
    current = contact.email.strip().lower()
    lines.append(f"Their current email, which they sign in with: {contact.email}.")
    tried = AccessAttempt.objects.none()
    if account is not None:
        tried = AccessAttempt.objects.filter(user=account)
    attempts = (
        (tried | AccessAttempt.objects.filter(email_tried__iexact=contact.email))
        .order_by("-created_at", "-id")
        .values_list("email_tried", flat=True)[:RECENT]
    )
    others = sorted({e.strip().lower() for e in attempts} - {current, ""})
    for other in others:
        lines.append(f"Recently tried at sign-in or forgot password: {other} (not their email).")
    passed = account is not None and account.is_active and not others
    if resets and resets[0].email is not None and resets[0].email.status == "failed":
        passed = False
    fix = None
    if account is not None and account.is_active:
        fix = Fix(
            "Send password reset",
            reverse("admin:customers_contact_password_reset", args=[contact.pk]),
            "post",
        )
    lines.append(
        "Ask them to check their spam or junk folder, and to add the sender to their "
        "approved senders."
    )
    return Check("Can't reset their password", passed, lines, fix)


def contact_checks(*, contact: Contact, company: Company, staff: User | None = None) -> list[Check]:
    """The article's four checks for one contact, in its order. `staff` is the
    signed-in staff member, whose address the next invitation would be sent from."""
    return [
        _payment_methods(contact),
        _content(contact, company),
        _invite(contact, company, staff),
        _password_reset(contact),
    ]


def troubleshoot_view(
    request: HttpRequest, object_id: str, *, model_admin: ModelAdmin[Any]
) -> HttpResponse:
    contact = _contact_or_404(request, model_admin, object_id)
    company = Company.load()
    checks = contact_checks(contact=contact, company=company, staff=staff_user(request))
    chosen = request.GET.get("document", "").strip()
    check, not_found = None, ""
    if chosen:
        try:
            document = document_chosen(chosen)
        except DocumentNotFound as missing:
            not_found = missing.message
        else:
            check = document_check(
                contact=contact,
                document=document,
                company=company,
                request=request,
                admin_site=model_admin.admin_site,
            )
    context = {
        **model_admin.admin_site.each_context(request),
        "title": f"Troubleshoot portal access: {contact.full_name}",
        "opts": model_admin.model._meta,
        "contact": contact,
        "checks": checks,
        "can_act": can_invite(request),
        "can_view_as": can_view_as(request.user),
        "messages_url": contact_messages_url(contact),
        "contact_url": reverse("admin:customers_contact_change", args=[contact.pk]),
        "chooser": document_chooser(contact=contact, query=request.GET.get("q", "")),
        "chosen": chosen,
        "document_check": check,
        "document_not_found": not_found,
        "shown": SHOWN,
    }
    return TemplateResponse(request, "office/contact_troubleshoot.html", context)
