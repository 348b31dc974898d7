"""A contact's Customer Portal access, as staff manage it from the contact's page:
invite (one contact or many), send a password reset to a verified contact, and
view the portal as the contact (trellis/office/view_as.py)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.contrib import messages
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.utils.html import format_html
from django.views.decorators.http import require_POST

from trellis.accounts.invitations import (
    INVITE_PERMISSION,
    InviteOutcome,
    InviteRefused,
    contact_invite,
    contact_invite_check,
)
from trellis.accounts.models import AccessToken, User
from trellis.accounts.passwords import ResetRefused, password_reset_send
from trellis.accounts.preview import can_view_as, view_as_refusal
from trellis.customers.models import Contact
from trellis.customers.selectors import contact_invitations
from trellis.visibility import visible_properties

if TYPE_CHECKING:
    from django.contrib.admin import ModelAdmin


def can_invite(request: HttpRequest) -> bool:
    # Sending a password reset is part of managing portal access, so the same
    # permission covers it (the reset service itself checks none).
    return request.user.has_perm(INVITE_PERMISSION)


def staff_user(request: HttpRequest) -> User:
    if not isinstance(request.user, User):  # the admin lets only signed-in staff this far
        raise PermissionDenied
    return request.user


def sees_nothing(contact: Contact) -> bool:
    """Whether the portal would show this contact nothing at all: no property
    is theirs to see (the rule is trellis/visibility.py's, not restated here)."""
    return not visible_properties(contact=contact).exists()


def sees_nothing_warning(contact: Contact) -> str:
    return (
        f"{contact.full_name} holds no Primary or Billing role on any property: "
        "they will see nothing in the portal until they do."
    )


def contact_page_url(contact: Contact) -> str:
    return reverse("admin:customers_contact_change", args=[contact.pk])


def contact_messages_url(contact: Contact) -> str:
    return reverse("admin:mail_outgoingemail_changelist") + f"?contact={contact.pk}"


@dataclass(frozen=True)
class ContactLinks:
    """Where a contact's links and buttons go: the old admin pages
    (`admin_contact_links`) or the office's own (trellis/office/views/contact.py)."""

    page: str
    invite: str
    password_reset: str
    view_as: str
    troubleshoot: str
    save_payment_method: str
    messages: str
    email: Callable[[int], str]  # the page of one email sent to the contact, by its id


def contact_links(
    *, button: Callable[[str], str], page: str, messages: str, email: Callable[[int], str]
) -> ContactLinks:
    """The links of a contact's pages, `button` naming each of its buttons'
    URLs from its admin name ("invite", "password_reset", …)."""
    return ContactLinks(
        page=page,
        invite=button("invite"),
        password_reset=button("password_reset"),
        view_as=button("view_as"),
        troubleshoot=button("troubleshoot"),
        save_payment_method=button("payment_method"),
        messages=messages,
        email=email,
    )


def admin_contact_links(contact: Contact) -> ContactLinks:
    return contact_links(
        button=lambda name: reverse(f"admin:customers_contact_{name}", args=[contact.pk]),
        page=contact_page_url(contact),
        messages=contact_messages_url(contact),
        email=lambda pk: reverse("admin:mail_outgoingemail_change", args=[pk]),
    )


@dataclass(frozen=True)
class PortalPanel:
    """What the contact's page shows of its portal access."""

    contact: Contact
    links: ContactLinks
    account: User | None
    invitations: list[tuple[AccessToken, str]]  # each with the label of its state
    can_invite: bool
    refusal: InviteRefused | None
    can_view_as: bool
    # Why View as customer is not offered to this staff member, if it is not.
    view_as_refusal: str = ""
    # Said beside the invite button: the invitation still goes, but shows nothing.
    sees_nothing: bool = False

    @property
    def sees_nothing_warning(self) -> str:
        return sees_nothing_warning(self.contact) if self.sees_nothing else ""

    @property
    def offer_invite(self) -> bool:
        return self.can_invite and self.refusal is None

    @property
    def offer_password_reset(self) -> bool:
        return self.can_invite and self.account is not None

    @property
    def invitation_rows(self) -> list[tuple[AccessToken, str, str]]:
        """Each invitation with its state and the page of its email ("" if none)."""
        return [
            (
                invitation,
                state,
                self.links.email(invitation.email_id) if invitation.email_id else "",
            )
            for invitation, state in self.invitations
        ]

    @property
    def invite_url(self) -> str:
        return self.links.invite

    @property
    def password_reset_url(self) -> str:
        return self.links.password_reset

    @property
    def view_as_url(self) -> str:
        return self.links.view_as

    @property
    def messages_url(self) -> str:
        return self.links.messages


def portal_panel(
    request: HttpRequest, contact: Contact, links: ContactLinks | None = None
) -> PortalPanel:
    try:
        account: User | None = contact.portal_account
    except ObjectDoesNotExist:
        account = None
    refusal = None
    try:
        contact_invite_check(contact=contact)
    except InviteRefused as refused:
        refusal = refused
    return PortalPanel(
        contact=contact,
        links=links or admin_contact_links(contact),
        account=account,
        invitations=[
            (invitation, AccessToken.State(invitation.state).label)
            for invitation in contact_invitations(contact=contact)
        ],
        can_invite=can_invite(request),
        refusal=refusal,
        can_view_as=can_view_as(request.user),
        view_as_refusal=view_as_refusal(request.user, contact),
        sees_nothing=sees_nothing(contact),
    )


def _contact_or_404(request: HttpRequest, model_admin: ModelAdmin[Any], object_id: str) -> Contact:
    contact = model_admin.get_object(request, object_id)
    if contact is None:
        raise Http404
    if not model_admin.has_view_or_change_permission(request, contact):
        raise PermissionDenied
    return contact


def invite_and_tell(request: HttpRequest, contact: Contact) -> None:
    """Invite the contact on behalf of the staff member, and tell them how it went."""
    try:
        # Raises PermissionDenied (a 403) for staff without the invite permission.
        invitation = contact_invite(contact=contact, invited_by=staff_user(request))
    except InviteRefused as refusal:
        messages.error(request, refusal.message)
    else:
        messages.success(request, f"Invitation sent to {invitation.sent_to}.")
        if sees_nothing(contact):
            messages.warning(request, sees_nothing_warning(contact))


def _admin_button(
    request: HttpRequest,
    object_id: str,
    model_admin: ModelAdmin[Any],
    act: Callable[[HttpRequest, Contact], None],
) -> HttpResponse:
    contact = _contact_or_404(request, model_admin, object_id)
    act(request, contact)
    return HttpResponseRedirect(contact_page_url(contact))


@require_POST
def invite_view(
    request: HttpRequest, object_id: str, *, model_admin: ModelAdmin[Any]
) -> HttpResponse:
    return _admin_button(request, object_id, model_admin, invite_and_tell)


def password_reset_and_tell(request: HttpRequest, contact: Contact) -> None:
    """Email a verified contact a password reset link, and tell the staff member."""
    try:
        # Raises PermissionDenied (a 403) for staff who may not manage portal access.
        token = password_reset_send(contact=contact, sent_by=staff_user(request))
    except ResetRefused as refusal:
        messages.error(request, refusal.message)
    else:
        messages.success(request, f"Password reset link sent to {token.sent_to}.")


@require_POST
def password_reset_view(
    request: HttpRequest, object_id: str, *, model_admin: ModelAdmin[Any]
) -> HttpResponse:
    return _admin_button(request, object_id, model_admin, password_reset_and_tell)


def report_invite_outcomes(request: HttpRequest, outcomes: Iterable[InviteOutcome]) -> None:
    """One message per refused contact, with a link to its page (where a
    verified contact's password reset button is), then how many were invited,
    and how many of those will see nothing in the portal yet."""
    invited = blind = 0
    for outcome in outcomes:
        if outcome.refusal is None:
            invited += 1
            blind += sees_nothing(outcome.contact)
            continue
        messages.warning(
            request,
            format_html(
                '{} <a href="{}">Open {}</a>',
                outcome.refusal.message,
                contact_page_url(outcome.contact),
                outcome.contact.full_name,
            ),
        )
    if invited:
        messages.success(request, f"Invited {invited} contact{'s' if invited != 1 else ''}.")
    if blind:
        holds = "hold" if blind != 1 else "holds"
        messages.warning(
            request,
            f"{blind} of the invited contacts {holds} no Primary or Billing role: "
            "they will see nothing in the portal until they do.",
        )
    if not invited:
        messages.warning(request, "No contacts were invited.")
