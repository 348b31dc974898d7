"""The troubleshooter against the real portal, on random worlds (DESIGN.md,
"Visibility is defined once"): for every contact and every proposal, invoice
and request, trellis.doctor's document check, and the "Who sees this" row
for that contact, say "visible" exactly when the signed-in contact's
portal lists the document (trellis/tests/test_visibility_rules.py holds its
detail pages to the same rules); and the rules they name for a "not visible"
are exactly those that fail by the oracle of worlds.py (written apart from
trellis.visibility), the document's status among them; the troubleshoot
page gives each of those rules, and no other, its place beside a fix.

Each example is one world in its own transaction (hypothesis' Django TestCase).
"""

from django.test import RequestFactory
from hypothesis import HealthCheck, given, settings
from hypothesis.extra.django import TestCase

from trellis.accounts.models import User
from trellis.doctor.checks import Verdict
from trellis.doctor.document import document_check, document_chosen, document_ref
from trellis.doctor.who_sees import who_sees
from trellis.office.doctor_document import document_panel
from trellis.office.why_visible import troubleshoot_url
from trellis.tests.worlds import (
    INVOICES_SHOWN,
    PROPOSALS_SHOWN,
    World,
    build,
    portal_lists,
    worlds,
)

EXAMPLES = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
SECTIONS = ("proposals", "invoices", "requests")


def linked(world, contact, prop):
    spec = world.spec
    return contact in (spec.primary[prop], spec.billing[prop]) or contact in spec.others[prop]


def failing_rules(
    world: World, contact: int, section: int, prop: int, published: bool, status_shown: bool
) -> set:
    """The rules that keep the contact from a document, by the oracle."""
    rules = set()
    if not world.spec.sections[section]:
        rules.add("section_on")
    if not world.sees_property(contact, prop):
        rules.add("property_role")
    if not published:
        rules.add("published" if section < 2 else "include_client")
    if not status_shown:
        rules.add("status_shown")
    return rules


class DoctorAgreesWithThePortal(TestCase):
    def documents(self, world):
        """Each document, with its section and the oracle's facts: published (for
        a request, Include Client) and in a status the portal shows."""
        spec = world.spec
        for proposal, s in zip(world.proposals, spec.proposals, strict=True):
            yield proposal, 0, s.property, s.published, s.status in PROPOSALS_SHOWN
        for invoice, s in zip(world.invoices, spec.invoices, strict=True):
            yield invoice, 1, s.property, s.published, s.status in INVOICES_SHOWN
        for issue, s in zip(world.issues, spec.issues, strict=True):
            yield issue, 2, s.property, s.include_client, True

    @EXAMPLES
    @given(worlds())
    def test_the_doctor_says_visible_exactly_when_the_portal_shows_it(self, spec):
        world = build(spec)
        documents = list(self.documents(world))
        rows = {document: who_sees(document) for document, *_ in documents}
        staff = User.objects.create(email="jane@greenway.example", is_staff=True, is_superuser=True)
        for n, contact in enumerate(world.contacts):
            self.client.force_login(User.objects.create(contact=contact))
            listed = portal_lists(self.client)
            for document, section, prop, published, status_shown in documents:
                shown = (type(document), document.pk) in listed
                request = RequestFactory().get(troubleshoot_url(contact, document))
                request.user = staff
                # Loaded as the page loads it, from its `document` parameter.
                chosen = document_chosen(document_ref(document))
                check = document_check(contact=contact, document=chosen, company=world.company)
                oracle = failing_rules(world, n, section, prop, published, status_shown)
                context = (SECTIONS[section], document.pk, n, oracle)

                assert check.visibility.visible == shown, context
                assert (check.verdict == Verdict.PASS) == shown, context
                named = {failure.rule for failure in check.failures}
                assert shown or named, context
                assert named == oracle, context
                # The page gives each failing rule its place, and no other.
                panel = document_panel(
                    contact=contact,
                    document=chosen,
                    company=world.company,
                    request=request,
                )
                assert [r.failure for r in panel.reasons] == check.failures, context

                mine = [row for row in rows[document] if row.contact == contact]
                if linked(world, n, prop):
                    (row,) = mine
                    assert row.shown == shown, context
                    assert shown or row.failures, context
                    assert {f.rule for f in row.failures} == oracle, context
                else:
                    assert mine == [], context

                if section == 2:  # a request: its comments that are not Public
                    hidden = world.spec.issues[world.issues.index(document)].public_comments
                    assert len(check.hidden_comments) == hidden.count(False)
                    assert not any(comment.is_public for comment in check.hidden_comments)
