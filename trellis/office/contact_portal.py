"""A contact's Customer Portal access, as staff manage it from the contact's page:
invite (one contact or many), send a password reset to a verified contact, and
view the portal as the contact (trellis/office/view_as.py)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.contrib import messages
from django.core.exceptions import ObjectDoesNotExist, PermissionDenied
from django.http import HttpRequest
from django.urls import reverse
from django.utils.html import format_html

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
from trellis.office.pages import contact_url, page_url
from trellis.visibility import visible_properties


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


@dataclass(frozen=True)
class ContactLinks:
    """Where a contact's links and buttons go (trellis/office/views/contact.py)."""

    page: str
    invite: str
    password_reset: str
    view_as: str
    troubleshoot: str
    save_payment_method: str
    portal_access: str
    messages: str
    email: Callable[[int], str]  # the page of one email sent to the contact, by its id


def contact_links(contact: Contact) -> ContactLinks:
    """The office's pages and buttons of one contact (trellis/office/urls.py)."""

    def button(name: str) -> str:
        return reverse(f"office:contact-{name}", kwargs={"contact_id": contact.pk})

    return ContactLinks(
        page=contact_url(contact.pk),
        invite=button("invite"),
        password_reset=button("password-reset"),
        view_as=button("view-as"),
        troubleshoot=button("troubleshoot"),
        save_payment_method=button("payment-method"),
        portal_access=button("portal-access"),
        # Every email sent to the contact (its page lists the latest).
        messages=reverse("office:emails") + f"?contact={contact.pk}",
        email=lambda pk: page_url("email", pk),
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
        return self.can_invite and self.account is not None and self.account.is_active

    @property
    def offer_portal_access(self) -> bool:
        """Turning the account off, or on again: managing portal access, as inviting is."""
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


def portal_panel(request: HttpRequest, contact: Contact) -> PortalPanel:
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
        links=contact_links(contact),
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


def password_reset_and_tell(request: HttpRequest, contact: Contact) -> None:
    """Email a verified contact a password reset link, and tell the staff member."""
    try:
        # Raises PermissionDenied (a 403) for staff who may not manage portal access.
        token = password_reset_send(contact=contact, sent_by=staff_user(request))
    except ResetRefused as refusal:
        messages.error(request, refusal.message)
    else:
        messages.success(request, f"Password reset link sent to {token.sent_to}.")


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
                contact_url(outcome.contact.pk),
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
