"""The dataset of issue 12's measurements, in bulk, on the database of the environment.

Run by bench/run.py after `trellis migrate` (settings from the environment):
`.venv/bin/python bench/dataset.py --scale 1` prints one JSON object, what the
benchmark needs to reach the customer's pages.

At scale 1: 100,000 contacts, 40,000 properties, each with a Primary and a
Billing contact, and 132,000 invoices of two lines (about half paid, each paid
or partly paid one with an imported payment behind it), a proposal and a
request on every fourth property. One of them is the customer: Primary and
Billing on 5 properties with 1,000 invoices, 1,000 proposals and 300 requests
(at every scale: it is their pages that are measured), a saved card, a portal
account with the password hashed as production hashes it, and one open
invoice of 30 lines for the detail page and the PDF. Rows go in with
bulk_create, not through the services: the services are what is measured.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sys
import time
from decimal import Decimal
from pathlib import Path

# Appended: a PYTHONPATH of another Trellis tree (bench/run.py --source) comes first.
sys.path.append(str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "trellis.settings")

import django

django.setup()

from django.db import connection, transaction  # noqa: E402
from django.utils import timezone  # noqa: E402

from trellis.accounts.models import User  # noqa: E402
from trellis.billing.models import Invoice, InvoiceLine, Payment  # noqa: E402
from trellis.billing.payment_methods import payment_method_add  # noqa: E402
from trellis.company.models import Company  # noqa: E402
from trellis.customers.models import Contact, Property, PropertyContact  # noqa: E402
from trellis.issues.models import Issue  # noqa: E402
from trellis.proposals.models import Proposal, ProposalItem  # noqa: E402
from trellis.sandbox_processor.testing import sandbox_token  # noqa: E402

BATCH = 5000
CUSTOMER_EMAIL = "bench.customer@example.com"
CUSTOMER_PASSWORD = "bench-customer-password-7Hq"  # noqa: S105 (a throwaway database)
CUSTOMER_PROPERTIES = 5
CUSTOMER_INVOICES = 1000
CUSTOMER_PROPOSALS = 1000
CUSTOMER_REQUESTS = 300
PDF_LINES = 30
ISSUED = dt.date(2026, 1, 5)


def contacts(count: int) -> list[Contact]:
    return Contact.objects.bulk_create(
        (
            Contact(
                first_name=f"First{n}",
                last_name=f"Last{n % 5000}",
                email=f"contact{n}@example.com",
                phone=f"555-{n:07d}",
                external_id=f"C-{n:07d}",
            )
            for n in range(count)
        ),
        batch_size=BATCH,
    )


def properties(count: int) -> list[Property]:
    return Property.objects.bulk_create(
        (
            Property(
                name=f"Property {n}",
                street=f"{n % 900 + 1} Elm Street",
                city="Springfield",
                postal_code=f"{n % 99999:05d}",
                external_id=f"P-{n:07d}",
            )
            for n in range(count)
        ),
        batch_size=BATCH,
    )


def roles(places: list[Property], people: list[Contact], customer: Contact) -> None:
    def made():
        for n, place in enumerate(places):
            if n < CUSTOMER_PROPERTIES:
                primary = billing = customer
            else:
                primary, billing = people[(2 * n) % len(people)], people[(2 * n + 1) % len(people)]
            yield PropertyContact(property=place, contact=primary, role="primary")
            yield PropertyContact(property=place, contact=billing, role="billing")

    PropertyContact.objects.bulk_create(made(), batch_size=BATCH)


def invoice(place: Property, n: int, now: dt.datetime) -> Invoice:
    """Half paid, a tenth partly paid, the rest open; 100.00 each (two lines of 50)."""
    status = {0: "paid", 1: "paid", 2: "paid", 3: "paid", 4: "paid", 5: "partially_paid"}.get(
        n % 10, "open"
    )
    issued = ISSUED + dt.timedelta(days=n % 300)
    return Invoice(
        property=place,
        number=f"INV-{n:07d}",
        status=status,
        issued_on=issued,
        due_on=issued + dt.timedelta(days=30),
        subtotal=Decimal(100),
        total=Decimal(100),
        amount_paid={"paid": Decimal(100), "partially_paid": Decimal(40)}.get(status, Decimal(0)),
        paid_at=now if status == "paid" else None,
        printed_at=now,
    )


def invoices(places: list[Property], total: int, now: dt.datetime) -> list[Invoice]:
    """`total` invoices: the customer's first, over their properties, the rest
    spread over the other properties."""
    mine, others = places[:CUSTOMER_PROPERTIES], places[CUSTOMER_PROPERTIES:]

    def made():
        for n in range(CUSTOMER_INVOICES):
            yield invoice(mine[n % len(mine)], n, now)
        for n in range(CUSTOMER_INVOICES, max(total, CUSTOMER_INVOICES + 1)):
            yield invoice(others[n % len(others)], n, now)

    made_invoices = Invoice.objects.bulk_create(made(), batch_size=BATCH)
    InvoiceLine.objects.bulk_create(
        (
            InvoiceLine(
                invoice=inv, position=p, description=f"Lawn care visit {p + 1}", unit_price=50
            )
            for inv in made_invoices
            for p in range(2)
        ),
        batch_size=BATCH,
    )
    Payment.objects.bulk_create(
        (
            Payment(
                invoice=inv,
                source="imported",
                status="succeeded",
                amount=inv.amount_paid,
                idempotency_key=f"bench-import-{inv.pk}",
                external_id=f"PAY-{inv.pk}",
                means="bank_transfer",
                received_on=inv.issued_on,
                created_at=now,
                completed_at=now,
            )
            for inv in made_invoices
            if inv.amount_paid
        ),
        batch_size=BATCH,
    )
    return made_invoices


def long_invoice(place: Property, now: dt.datetime) -> Invoice:
    """An open invoice of PDF_LINES lines of 10.00: the detail page and the PDF."""
    made = Invoice.objects.create(
        property=place,
        number="INV-BENCH-PDF",
        status="open",
        issued_on=ISSUED,
        due_on=ISSUED + dt.timedelta(days=30),
        subtotal=Decimal(10 * PDF_LINES),
        total=Decimal(10 * PDF_LINES),
        printed_at=now,
    )
    InvoiceLine.objects.bulk_create(
        InvoiceLine(
            invoice=made, position=p, description=f"Hedge trimming, bed {p + 1}", unit_price=10
        )
        for p in range(PDF_LINES)
    )
    return made


def proposals(places: list[Property], now: dt.datetime) -> None:
    mine = places[:CUSTOMER_PROPERTIES]
    wanted = [mine[n % len(mine)] for n in range(CUSTOMER_PROPOSALS)]
    wanted += places[CUSTOMER_PROPERTIES::4]
    made = Proposal.objects.bulk_create(
        (
            Proposal(
                property=place,
                number=f"PR-{n:07d}",
                title="Spring clean-up",
                status="sent",
                printed_at=now,
            )
            for n, place in enumerate(wanted)
        ),
        batch_size=BATCH,
    )
    ProposalItem.objects.bulk_create(
        (
            ProposalItem(proposal=p, position=i, description=f"Item {i + 1}", unit_price=75)
            for p in made
            for i in range(2)
        ),
        batch_size=BATCH,
    )


def requests(places: list[Property]) -> None:
    mine = places[:CUSTOMER_PROPERTIES]
    wanted = [mine[n % len(mine)] for n in range(CUSTOMER_REQUESTS)]
    wanted += places[CUSTOMER_PROPERTIES::4]
    Issue.objects.bulk_create(
        (
            Issue(property=place, subject=f"Broken sprinkler head {n}", include_client=True)
            for n, place in enumerate(wanted)
        ),
        batch_size=BATCH,
    )


def build(scale: float) -> dict[str, object]:
    now = timezone.now()
    Company.load()
    with transaction.atomic():
        customer = Contact.objects.create(
            first_name="Maria", last_name="Lopez", email=CUSTOMER_EMAIL, external_id="C-BENCH"
        )
        people = contacts(max(int(100_000 * scale) - 1, 2))
        places = properties(max(int(40_000 * scale), CUSTOMER_PROPERTIES + 1))
        roles(places, people, customer)
        invoices(places, int(132_000 * scale), now)
        detail = long_invoice(places[0], now)
        proposals(places, now)
        requests(places)
        account = User(contact=customer)
        account.set_password(CUSTOMER_PASSWORD)
        account.save()
    method = payment_method_add(
        contact=customer,
        token=sandbox_token("4242424242424242", exp_year=2035),
        holder_name="Maria Lopez",
        saved_by=None,
        make_default=True,
    )
    due = Invoice.objects.filter(
        property__in=places[:CUSTOMER_PROPERTIES], status__in=Invoice.DUE_STATUSES
    ).exclude(pk=detail.pk)
    return {
        "source": str(Path(sys.modules["trellis"].__file__ or "").parent.parent),
        "email": CUSTOMER_EMAIL,
        "password": CUSTOMER_PASSWORD,
        "invoice": detail.pk,
        "method": method.pk,
        "due_invoices": list(due.order_by("pk").values_list("pk", flat=True)),
        "rows": {
            "contacts": Contact.objects.count(),
            "properties": Property.objects.count(),
            "invoices": Invoice.objects.count(),
            "invoice lines": InvoiceLine.objects.count(),
            "payments": Payment.objects.count(),
            "proposals": Proposal.objects.count(),
            "requests": Issue.objects.count(),
        },
    }


def statistics_gathered() -> None:
    """What autovacuum does within minutes of bulk inserts on a real server, done
    at once: the planner's statistics (without them it guesses one row where
    there are a thousand) and the visibility map (an index-only scan reads the
    table for every row of a page not marked all-visible)."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE")


def main() -> None:
    parser = argparse.ArgumentParser(description="Build issue 12's dataset in bulk.")
    parser.add_argument("--scale", type=float, default=1.0)
    args = parser.parse_args()
    started = time.monotonic()
    built = build(args.scale)
    statistics_gathered()
    built["seconds"] = round(time.monotonic() - started, 1)
    print(json.dumps(built))


if __name__ == "__main__":
    main()
