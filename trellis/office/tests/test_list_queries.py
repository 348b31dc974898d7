"""Every list of the raw data (Django's admin, read by a superuser: the `office`
fixture signs in Jane) costs the same number of queries however long it is:
columns that reach into related rows must not query once per row. The office's
own lists hold the same rule in their own tests (assert_queries_do_not_grow)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from trellis.audit.services import audit_record
from trellis.office.tests.objects import MAKERS, admin_url
from trellis.testing.factories import (
    CommentFactory,
    ContactFactory,
    CustomerAccountFactory,
    PropertyContactFactory,
    StaffFactory,
)

pytestmark = pytest.mark.django_db


def user():
    return CustomerAccountFactory() if StaffFactory().pk % 2 else StaffFactory()


def audit_entry():
    actor = CustomerAccountFactory() if ContactFactory().pk % 2 else StaffFactory()
    return audit_record(action="contact.changed", target=ContactFactory(), actor=actor)


def property_with_roles():
    role = PropertyContactFactory(role="primary")
    PropertyContactFactory(property=role.property, role="billing")
    return role.property


def comment():
    return CommentFactory(author_user=None, author_contact=ContactFactory())


# Rows whose related objects the list shows (customers' sign-in emails,
# contacts' roles, comment authors), where the generic maker has none.
LIST_MAKERS = {
    **MAKERS,
    "accounts.user": user,
    "audit.auditentry": audit_entry,
    "customers.property": property_with_roles,
    "issues.comment": comment,
}
# One company row and one template per kind and language: no list to grow.
LISTS = [label for label in LIST_MAKERS if label not in {"company.company", "mail.emailtemplate"}]


def queries_for_list(client, label):
    with CaptureQueriesContext(connection) as queries:
        assert client.get(admin_url(label, "changelist")).status_code == 200
    return len(queries)


@pytest.mark.parametrize("label", LISTS)
def test_a_list_runs_as_many_queries_for_fifteen_rows_as_for_three(office, label):
    for _ in range(3):
        LIST_MAKERS[label]()
    with_three = queries_for_list(office, label)
    for _ in range(12):
        LIST_MAKERS[label]()
    assert queries_for_list(office, label) == with_three
