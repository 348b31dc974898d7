"""The dashboard's lists can be read from the portal's partial indexes: each
index's condition must match trellis.visibility's rules word for word, or
PostgreSQL cannot use it. With sequential scans off and the table's other
indexes out of the way, the plan of each list's query names its index (a test
database is too small for the planner to choose an index of its own accord)."""

import re

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext

from trellis.portal.tests.test_query_budget import documents

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="query plans are PostgreSQL's"),
]

INDEXES = {
    "billing_invoice": "invoice_published_due",
    "proposals_proposal": "proposal_published_newest",
    "issues_issue": "issue_shown_newest",
}


def plan(sql: str, table: str, index: str) -> str:
    """The plan of `sql` with only `index` to read `table` by (the table's other
    plain indexes dropped, in a savepoint rolled back at once) and sequential
    scans off: it reads the index if its condition matches the query's filter,
    whatever the planner would pick among several."""
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            "SELECT i.relname FROM pg_index x"
            " JOIN pg_class i ON i.oid = x.indexrelid JOIN pg_class t ON t.oid = x.indrelid"
            " WHERE t.relname = %s AND i.relname <> %s AND NOT x.indisprimary"
            " AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = x.indexrelid)",
            [table, index],
        )
        for (other,) in cursor.fetchall():
            cursor.execute(f'DROP INDEX "{other}"')
        cursor.execute("SET LOCAL enable_seqscan = off")
        cursor.execute("EXPLAIN " + sql)
        found = "\n".join(row[0] for row in cursor.fetchall())
        transaction.set_rollback(True)
    return found


def test_each_dashboard_list_is_read_from_its_index(alice_client, alice):
    documents(alice.contact, 20)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    alice_client.get("/")
    with CaptureQueriesContext(connection) as captured:
        assert alice_client.get("/").status_code == 200
    for table, index in INDEXES.items():
        [query] = [q for q in captured.captured_queries if q["sql"].startswith(f'SELECT "{table}"')]
        found = plan(query["sql"], table, index)
        # Index-only on a real server; a test's rows are not committed, so
        # not all-visible, and the planner may read the index by bitmap.
        assert re.search(rf"Scan (using|on) {index}\b", found), found
