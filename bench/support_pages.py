"""Time the support pages for a customer with a long history: the
troubleshooter (with and without a document chosen), "Who sees this" on an
invoice, and the portal seen through "View as customer".

Run: DEBUG=1 .venv/bin/python bench/support_pages.py [documents]   (default 500)

The same world as bench/portal_pages.py, plus a staff member (a superuser,
signed in with both factors).
"""

from __future__ import annotations

import sys

from django.core.management import call_command
from django.test import Client
from django.test.utils import setup_test_environment
from django.urls import reverse
from portal_pages import build, measure  # the bench folder is first on sys.path


def main() -> None:
    from trellis.billing.models import Invoice
    from trellis.customers.models import Contact
    from trellis.testing.factories import StaffFactory
    from trellis.testing.sign_in import login_with_both_factors

    documents = int(sys.argv[1]) if len(sys.argv) > 1 else 500
    setup_test_environment()
    call_command("migrate", verbosity=0)
    build(documents)
    contact = Contact.objects.get(email="bench@example.com")
    invoice = Invoice.objects.filter(property__roles__contact=contact).latest("pk")
    staff = Client()
    login_with_both_factors(staff, StaffFactory(is_superuser=True))
    doctor = reverse("office:contact-troubleshoot", kwargs={"contact_id": contact.pk})
    print(f"{documents} documents of each kind; median of 30 requests")
    print(measure(staff, doctor, "troubleshoot"))
    print(
        measure(staff, f"{doctor}?document=invoice:{invoice.pk}", "troubleshoot, an invoice chosen")
    )
    page = reverse("office:invoice", kwargs={"invoice_id": invoice.pk})
    print(measure(staff, page, "invoice page with Who sees this"))
    for name in ["office:contacts", "office:invoices", "office:proposals", "office:requests"]:
        print(measure(staff, reverse(name), f"{name} list"))
    staff.post(reverse("office:contact-view-as", kwargs={"contact_id": contact.pk}))
    for page in ["/", "/invoices/", f"/invoices/{invoice.pk}/"]:
        print(measure(staff, page, f"view as customer {page}"))


if __name__ == "__main__":
    main()
