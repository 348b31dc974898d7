"""The visibility rules against an oracle, on random worlds (DESIGN.md, "Who sees what").

Each example is one world in its own transaction (hypothesis' Django TestCase).
"""

from django.urls import reverse
from hypothesis import HealthCheck, given, settings
from hypothesis.extra.django import TestCase

from trellis import visibility
from trellis.accounts.models import User
from trellis.issues.models import Comment
from trellis.tests.worlds import CONTACTS, build, worlds

EXAMPLES = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])


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
                ),
                (
                    visibility.explain_invoice,
                    "invoice",
                    world.invoices,
                    spec.invoices,
                    world.allowed_invoices(n),
                    "invoices",
                ),
            ]
            for explain, name, documents, specs, allowed, section in cases:
                for document, doc_spec in zip(documents, specs, strict=True):
                    verdict = explain(contact=contact, company=company, **{name: document})
                    assert verdict.visible == (document.pk in allowed)
                    expected = set()
                    if not sections[section]:
                        expected.add("section_on")
                    if not world.sees_property(n, doc_spec.property):
                        expected.add("property_role")
                    if not (doc_spec.printed or doc_spec.emailed):
                        expected.add("published")
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
    detail, PDF and actions alike; and what it may see opens."""

    @settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
    @given(worlds())
    def test_what_the_rules_forbid_answers_404_everywhere_and_the_rest_opens(self, spec):
        world = build(spec)
        contact = world.contacts[0]
        account = User.objects.create(contact=contact)
        self.client.force_login(account)
        groups = [
            (
                world.proposals,
                world.allowed_proposals(0),
                "proposal",
                ["proposal-pdf"],
                ["proposal-approve", "proposal-decline"],
            ),
            (world.invoices, world.allowed_invoices(0), "invoice", ["invoice-pdf"], []),
            (world.issues, world.allowed_issues(0), "request", [], ["request-comment"]),
        ]
        for objects, allowed, detail, downloads, actions in groups:
            for obj in objects:
                detail_url = reverse(f"portal:{detail}", args=[obj.pk])
                if obj.pk in allowed:
                    assert self.client.get(detail_url).status_code == 200
                    continue
                assert self.client.get(detail_url).status_code == 404
                for name in downloads:
                    assert (
                        self.client.get(reverse(f"portal:{name}", args=[obj.pk])).status_code == 404
                    )
                for name in actions:
                    response = self.client.post(reverse(f"portal:{name}", args=[obj.pk]), {})
                    assert response.status_code == 404
        for proposal in world.proposals:
            proposal.refresh_from_db()
            assert proposal.decided_at is None
        assert not Comment.objects.filter(author_contact=contact).exists()
