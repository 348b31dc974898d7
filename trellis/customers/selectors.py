"""Reads of contacts for the back office: the advanced search, a contact's invitations."""

from __future__ import annotations

from django.db.models import Exists, F, OuterRef, Prefetch, Q, QuerySet

from trellis.accounts.models import AccessToken, User
from trellis.customers.models import Contact, PropertyContact

# How many of a contact's invitations its page lists, newest first.
INVITATIONS_SHOWN = 20


def _invitations() -> QuerySet[AccessToken]:
    return AccessToken.objects.filter(purpose=AccessToken.Purpose.INVITATION)


def contacts_search(
    *,
    name: str = "",
    email: str = "",
    property: str = "",
    role: str = "",
    verified: bool | None = None,
    invited_not_accepted: bool = False,
) -> QuerySet[Contact]:
    """Contacts matching every filter given, by last and first name.

    - name: every word is part of the first or the last name ("mar lop" finds
      Maria Lopez);
    - email: part of the email, any letter case;
    - property: part of a property's name, or its whole external ID, on which
      the contact holds a role; with `role`, the role is held on that property;
    - verified: whether the contact has a portal account;
    - invited_not_accepted: no portal account yet, and at least one invitation
      sent, whatever its state (pending, expired or revoked).

    Each contact comes with what the search can show, at a fixed number of
    queries however many rows: `portal_verified`, `verified_since`,
    `last_sign_in`, `property_roles` (with their property) and
    `latest_invitations` (the newest invitation, or none).
    """
    contacts = Contact.objects.annotate(
        portal_verified=Exists(User.objects.filter(contact=OuterRef("pk"))),
        # The account is one-to-one: joining it adds no rows.
        verified_since=F("portal_account__date_joined"),
        last_sign_in=F("portal_account__last_login"),
    )
    for word in name.split():
        contacts = contacts.filter(Q(first_name__icontains=word) | Q(last_name__icontains=word))
    if email.strip():
        contacts = contacts.filter(email__icontains=email.strip())
    if property.strip() or role:
        roles = PropertyContact.objects.filter(contact=OuterRef("pk"))
        if property.strip():
            term = property.strip()
            roles = roles.filter(
                Q(property__name__icontains=term) | Q(property__external_id__iexact=term)
            )
        if role:
            roles = roles.filter(role=role)
        contacts = contacts.filter(Exists(roles))
    if verified is not None:
        contacts = contacts.filter(portal_verified=verified)
    if invited_not_accepted:
        invited = _invitations().filter(contact=OuterRef("pk"))
        contacts = contacts.filter(portal_verified=False).filter(Exists(invited))
    newest_invitation = _invitations().order_by("-created_at", "-id")[:1]
    return contacts.order_by("last_name", "first_name", "id").prefetch_related(
        Prefetch(
            "roles",
            queryset=PropertyContact.objects.select_related("property").order_by(
                "property__name", "role", "id"
            ),
            to_attr="property_roles",
        ),
        Prefetch("access_tokens", queryset=newest_invitation, to_attr="latest_invitations"),
    )


def contact_invitations(*, contact: Contact) -> QuerySet[AccessToken]:
    """The contact's newest invitations, with who sent them and their email."""
    return (
        _invitations()
        .filter(contact=contact)
        .select_related("created_by", "email")
        .order_by("-created_at", "-id")[:INVITATIONS_SHOWN]
    )
