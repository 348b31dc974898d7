"""The visibility rules against an oracle, on random worlds (DESIGN.md, "Who sees what").

Each example is one world in its own transaction (hypothesis' Django TestCase).
"""

from django.urls import reverse
from hypothesis import HealthCheck, example, given, settings
from hypothesis.extra.django import TestCase

from trellis import visibility
from trellis.accounts.models import User
from trellis.issues.models import Comment
from trellis.proposals.models import Proposal
from trellis.tests.worlds import (
    CONTACTS,
    INVOICES_SHOWN,
    PROPOSALS_SHOWN,
    DocumentSpec,
    WorldSpec,
    build,
    portal_lists,
    worlds,
)

EXAMPLES = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])


# One property whose Primary contact is contact 0, with every document
# published: only the sent proposal and the paid invoice are shown. The draft
# printed proposal is the bug this rule fixed (its detail, PDF, approve and
# decline answered as if it were shown), so it is tried on every run.
PUBLISHED_IN_EVERY_STATUS = WorldSpec(
    properties=1,
    primary=[0],
    billing=[None],
    others=[set()],
    proposals=[
        DocumentSpec(0, printed=True, emailed=False, status="draft"),
        DocumentSpec(0, printed=False, emailed=True, status="withdrawn"),
        DocumentSpec(0, printed=True, emailed=False, status="sent"),
    ],
    invoices=[
        DocumentSpec(0, printed=False, emailed=True, status="void"),
        DocumentSpec(0, printed=True, emailed=False, status="draft"),
        DocumentSpec(0, printed=True, emailed=True, status="paid"),
    ],
    issues=[],
    sections=(True, True, True),
)


def pks(queryset):
    return set(queryset.values_list("pk", flat=True))


class VisibilityAgainstTheOracle(TestCase):
    @EXAMPLES
    @given(worlds())
    def test_every_contact_sees_exactly_what_the_rules_allow(self, spec):
        world = build(spec)
        for n, contact in enumerate(world.contacts):
            company = world.company
            assert pks(visibility.visible_proposals(contact=contact, company=company)) == (
                world.allowed_proposals(n)
            )
            assert pks(visibility.visible_invoices(contact=contact, company=company)) == (
                world.allowed_invoices(n)
            )
            issues = visibility.visible_issues(contact=contact, company=company)
            assert pks(issues) == world.allowed_issues(n)
            comments = set()
            for issue in issues:
                comments |= pks(visibility.visible_comments(issue=issue))
            assert comments == world.allowed_comments(n)

    @EXAMPLES
    @given(worlds())
    def test_the_explanation_agrees_with_the_filter_and_names_only_rules_that_fail(self, spec):
        world = build(spec)
        company = world.company
        sections = dict(zip(["proposals", "invoices", "requests"], spec.sections, strict=True))
        for n in range(CONTACTS):
            contact = world.contacts[n]
            cases = [
                (
                    visibility.explain_proposal,
                    "proposal",
                    world.proposals,
                    spec.proposals,
                    world.allowed_proposals(n),
                    "proposals",
                    PROPOSALS_SHOWN,
                ),
                (
                    visibility.explain_invoice,
                    "invoice",
                    world.invoices,
                    spec.invoices,
                    world.allowed_invoices(n),
                    "invoices",
                    INVOICES_SHOWN,
                ),
            ]
            for explain, name, documents, specs, allowed, section, shown in cases:
                for document, doc_spec in zip(documents, specs, strict=True):
                    verdict = explain(contact=contact, company=company, **{name: document})
                    assert verdict.visible == (document.pk in allowed)
                    expected = set()
                    if not sections[section]:
                        expected.add("section_on")
                    if not world.sees_property(n, doc_spec.property):
                        expected.add("property_role")
                    if not doc_spec.published:
                        expected.add("published")
                    if doc_spec.status not in shown:
                        expected.add("status_shown")
                    assert set(verdict.rules) == expected
                    assert all(f.message for f in verdict.failures)
            allowed_issues = world.allowed_issues(n)
            for issue, issue_spec in zip(world.issues, spec.issues, strict=True):
                verdict = visibility.explain_issue(contact=contact, issue=issue, company=company)
                assert verdict.visible == (issue.pk in allowed_issues)
                expected = set()
                if not sections["requests"]:
                    expected.add("section_on")
                if not world.sees_property(n, issue_spec.property):
                    expected.add("property_role")
                if not issue_spec.include_client:
                    expected.add("include_client")
                assert set(verdict.rules) == expected
            allowed_comments = world.allowed_comments(n)
            for comment, _ in world.comments:
                verdict = visibility.explain_comment(
                    contact=contact, comment=comment, company=company
                )
                assert verdict.visible == (comment.pk in allowed_comments)


class PortalUrlsAgainstTheOracle(TestCase):
    """Everything a contact may not see answers 404 at every one of its URLs:
    detail, PDF, pay and actions alike; what it may see opens, and is on one of
    the portal's lists (a detail page no list leads to is a bug)."""

    @settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(worlds())
    @example(PUBLISHED_IN_EVERY_STATUS)
    def test_what_the_rules_forbid_answers_404_everywhere_and_the_rest_opens(self, spec):
        world = build(spec)
        contact = world.contacts[0]
        account = User.objects.create(contact=contact)
        self.client.force_login(account)
        decisions = list(Proposal.objects.values_list("pk", "status", "decided_at", "decided_by"))
        listed = portal_lists(self.client)
        groups = [
            (
                world.proposals,
                world.allowed_proposals(0),
                "proposal",
                ["proposal-pdf"],
                ["proposal-approve", "proposal-decline"],
            ),
            (
                world.invoices,
                world.allowed_invoices(0),
                "invoice",
                ["invoice-pdf", "invoice-pay"],
                [],
            ),
            (world.issues, world.allowed_issues(0), "request", [], ["request-comment"]),
        ]
        for objects, allowed, detail, gets, posts in groups:
            for obj in objects:
                detail_url = reverse(f"portal:{detail}", args=[obj.pk])
                context = (detail, obj.pk, getattr(obj, "status", None))
                on_a_list = (type(obj), obj.pk) in listed
                if obj.pk in allowed:
                    assert self.client.get(detail_url).status_code == 200, context
                    assert on_a_list, context
                    continue
                assert not on_a_list, context
                assert self.client.get(detail_url).status_code == 404, context
                for name in gets:
                    response = self.client.get(reverse(f"portal:{name}", args=[obj.pk]))
                    assert response.status_code == 404, (name, *context)
                for name in posts:
                    response = self.client.post(reverse(f"portal:{name}", args=[obj.pk]), {})
                    assert response.status_code == 404, (name, *context)
        assert (
            list(Proposal.objects.values_list("pk", "status", "decided_at", "decided_by"))
            == decisions
        )
        assert not Comment.objects.filter(author_contact=contact).exists()
