"""Who sees this in the portal: for each contact linked to a proposal's,
invoice's or request's property, one answer — sees it, will once they have a
portal account, or does not (with every rule that stops them).

The verdicts come only from trellis.visibility, through explain_document.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db.models import Prefetch, prefetch_related_objects

from trellis.company.models import Company
from trellis.customers.models import Contact, PropertyContact
from trellis.doctor.checks import Verdict
from trellis.doctor.document import Document, explain_document, has_account
from trellis.visibility import Failure
from trellis.visibility import Verdict as Visibility


@dataclass(frozen=True)
class WhoSees:
    """One contact linked to the document's property, and the one thing to say."""

    contact: Contact
    roles: list[str]  # the labels of the roles it holds on the property, in order
    visibility: Visibility  # the portal's rules
    has_account: bool
    account_active: bool

    @property
    def shown(self) -> bool:
        """The portal's rules show it to this contact (signed in or not)."""
        return self.visibility.visible

    @property
    def failures(self) -> list[Failure]:
        return self.visibility.failures

    @property
    def verdict(self) -> Verdict:
        if not self.shown or (self.has_account and not self.account_active):
            return Verdict.FAIL
        return Verdict.PASS if self.has_account else Verdict.INFO

    @property
    def answer(self) -> str:
        if not self.shown:
            return "Doesn't see it."
        if not self.has_account:
            if not self.contact.email:
                return "Would see it, but has no email to be invited with, so no portal account."
            return "Will see it once they accept an invitation: no portal account yet."
        if not self.account_active:
            return "Doesn't see it: their portal account is deactivated."
        return "Sees it."


def who_sees(document: Document, *, company: Company | None = None) -> list[WhoSees]:
    """A row for each contact linked to the document's property (several roles,
    one row), in the order of their first role, with the portal's verdict.

    A fixed number of queries however many contacts: the property's roles, with
    their contacts and portal accounts, are loaded once, and the visibility
    rules read them from there."""
    company = company or Company.load()
    prefetch_related_objects(
        [document],
        Prefetch(
            "property__roles",
            queryset=PropertyContact.objects.select_related("contact__portal_account"),
        ),
    )
    grouped: dict[int, tuple[Contact, list[str]]] = {}
    for role in document.property.roles.all():
        _, labels = grouped.setdefault(role.contact_id, (role.contact, []))
        labels.append(role.get_role_display())
    rows = []
    for contact, labels in grouped.values():
        account = has_account(contact)
        rows.append(
            WhoSees(
                contact=contact,
                roles=labels,
                visibility=explain_document(contact=contact, document=document, company=company),
                has_account=account,
                account_active=account and contact.portal_account.is_active,
            )
        )
    return rows
