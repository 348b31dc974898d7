"""Time the portal's busiest pages for a customer with a long history.

Run: DEBUG=1 .venv/bin/python bench/portal_pages.py [documents]   (default 500)

Builds a throwaway SQLite database (or uses DATABASE_URL), one customer who is
Primary and Billing contact of three properties with `documents` published
invoices, proposals and requests, then requests each page 30 times through
Django's test client and prints the median time and the number of queries.
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "trellis.settings")
os.environ.setdefault("DEBUG", "true")
os.environ.setdefault("TRELLIS_DATA_DIR", tempfile.mkdtemp(prefix="trellis-bench-"))

import django

django.setup()

from django.conf import settings  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext, setup_test_environment  # noqa: E402

settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


def build(documents: int) -> Client:
    """A client signed in as a customer (bench@example.com) with `documents`
    documents of each kind on three properties."""
    from trellis.billing.models import Invoice
    from trellis.customers.models import PropertyContact
    from trellis.issues.models import Issue
    from trellis.proposals.models import Proposal, ProposalItem
    from trellis.testing.documents import invoices
    from trellis.testing.factories import ContactFactory, CustomerAccountFactory, PropertyFactory

    account = CustomerAccountFactory(contact=ContactFactory(email="bench@example.com"))
    places = PropertyFactory.create_batch(3)
    for place in places:
        for role in ("primary", "billing"):
            PropertyContact.objects.create(property=place, contact=account.contact, role=role)
    per_place = documents // 3
    for place in places:
        invoices(place, per_place // 2)
        invoices(place, per_place - per_place // 2, status=Invoice.Status.PAID)
        made = Proposal.objects.bulk_create(
            Proposal(property=place, number=f"BP-{place.pk}-{n}", title="Work", status="sent")
            for n in range(per_place)
        )
        ProposalItem.objects.bulk_create(
            ProposalItem(proposal=p, description="Item", unit_price=10) for p in made
        )
        Issue.objects.bulk_create(
            Issue(property=place, subject=f"Request {n}", include_client=True)
            for n in range(per_place)
        )
    Proposal.objects.update(printed_at=django.utils.timezone.now())
    client = Client()
    client.force_login(account)
    return client


def main() -> None:
    documents = int(sys.argv[1]) if len(sys.argv) > 1 else 500
    setup_test_environment()
    call_command("migrate", verbosity=0)
    client = build(documents)
    pages = ["/", "/invoices/", "/invoices/?status=paid", "/proposals/", "/requests/"]
    print(f"{documents} documents of each kind; median of 30 requests")
    for page in pages:
        print(measure(client, page))


def measure(client: Client, page: str, label: str = "") -> str:
    """The median time of 30 GETs of the page (after one to warm up) and its
    number of queries, as one line."""
    client.get(page)
    times = []
    for _ in range(30):
        start = time.perf_counter()
        response = client.get(page)
        times.append(time.perf_counter() - start)
        if response.status_code != 200:
            raise SystemExit(f"{page} answered {response.status_code}")
    with CaptureQueriesContext(connection) as queries:
        client.get(page)
    return f"{label or page:44} {statistics.median(times) * 1000:7.1f} ms  {len(queries):3} queries"


if __name__ == "__main__":
    main()
