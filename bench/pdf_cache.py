"""Time serving an invoice PDF kept in storage against rendering it.

Run: .venv/bin/python bench/pdf_cache.py [lines]   (default 30 lines)

Builds a throwaway SQLite database (on DATABASE_URL's server: a database of its
own, created and dropped) and media folder, a customer who is the Billing
contact of a property with one printed invoice of `lines` lines, and asks for
its PDF through Django's test client 30 times each way, after one request to
warm up: with the stored PDF deleted before every request (rendered by
WeasyPrint each time, as before PDFs were kept), and kept (read from storage).
Prints the medians, their ratio and the queries of each.
"""

from __future__ import annotations

import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
from bench.scratch_database import ScratchDatabase, server_database_name

TRIES = 30
DATA_DIR = tempfile.mkdtemp(prefix="trellis-bench-pdf-")
SERVER_URL = os.environ.get("DATABASE_URL")
SCRATCH = ScratchDatabase(
    SERVER_URL, name=f"{server_database_name(SERVER_URL, 'trellis')}_bench_pdf_{os.getpid()}"
)
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "trellis.settings")
os.environ.setdefault("DEBUG", "true")
os.environ["TRELLIS_DATA_DIR"] = DATA_DIR
os.environ["MEDIA_ROOT"] = str(Path(DATA_DIR) / "media")


def build(lines: int):
    """A signed-in client of the invoice's Billing contact, the PDF's URL and the invoice's id."""
    from decimal import Decimal

    from django.test import Client
    from django.urls import reverse
    from django.utils import timezone

    from trellis.billing.models import Invoice
    from trellis.customers.models import PropertyContact
    from trellis.testing.factories import (
        ContactFactory,
        CustomerAccountFactory,
        InvoiceFactory,
        PropertyFactory,
    )

    account = CustomerAccountFactory(contact=ContactFactory(email="bench@example.com"))
    place = PropertyFactory()
    PropertyContact.objects.create(property=place, contact=account.contact, role="billing")
    invoice = InvoiceFactory(
        property=place,
        lines=[
            {"description": f"Visit {n}", "quantity": Decimal(2), "unit_price": Decimal("45.00")}
            for n in range(1, lines + 1)
        ],
    )
    Invoice.objects.filter(pk=invoice.pk).update(printed_at=timezone.now())
    client = Client()
    client.force_login(account)
    return client, reverse("portal:invoice-pdf", args=[invoice.pk]), invoice.pk


def median_ms(client, url: str, *, before=lambda: None, pdf: bool = True) -> float:
    """The median time of TRIES GETs of `url`, `before` run (untimed) before each."""
    before()
    client.get(url)
    times = []
    for _ in range(TRIES):
        before()
        start = time.perf_counter()
        response = client.get(url)
        times.append(time.perf_counter() - start)
        if response.status_code != 200 or pdf != response.content.startswith(b"%PDF-"):
            raise SystemExit(f"{url} answered {response.status_code}")
    return statistics.median(times) * 1000


def queries(client, url: str) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        client.get(url)
    return len(captured)


def main() -> None:
    try:
        run(int(sys.argv[1]) if len(sys.argv) > 1 else 30)
    finally:
        shutil.rmtree(DATA_DIR, ignore_errors=True)


def run(lines: int) -> None:
    with SCRATCH:
        if SCRATCH.url:
            os.environ["DATABASE_URL"] = SCRATCH.url
        import django

        django.setup()
        from django.conf import settings
        from django.core.management import call_command
        from django.test.utils import setup_test_environment
        from django.urls import reverse

        settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
        setup_test_environment()
        call_command("migrate", verbosity=0)
        client, url, invoice_id = build(lines)
        stored = Path(settings.MEDIA_ROOT) / "documents" / "pdf"

        def forget() -> None:
            shutil.rmtree(stored, ignore_errors=True)

        rendered = median_ms(client, url, before=forget)
        forget()
        rendered_queries = queries(client, url)
        kept = median_ms(client, url)
        kept_queries = queries(client, url)
        page = reverse("portal:invoice", args=[invoice_id])
        page_ms, page_queries = median_ms(client, page, pdf=False), queries(client, page)
        database = "PostgreSQL" if SCRATCH.url else "SQLite"
        print(f"Invoice PDF of {lines} lines, {database}, median of {TRIES} test-client GETs")
        print(f"{'rendered on every request':28} {rendered:7.1f} ms  {rendered_queries:2} queries")
        print(f"{'kept in storage':28} {kept:7.1f} ms  {kept_queries:2} queries")
        print(f"{'rendered / kept':28} {rendered / kept:7.1f} x")
        print(f"{'the invoice page, for scale':28} {page_ms:7.1f} ms  {page_queries:2} queries")
        print(f"load average {' '.join(f'{n:.2f}' for n in os.getloadavg())}")


if __name__ == "__main__":
    main()
