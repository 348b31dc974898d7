"""Charge saved methods in bulk in the permission table: charging money, the
Office manager's (and held behind two-factor sign-in)."""

from trellis.tests.permission_entries import Entry, changes, every_staff_member, shows

CHARGE = "bulk_charging.charge_in_bulk"

ENTRIES: dict[str, Entry] = {
    # An empty form is the page again, saying what is missing.
    "office:invoices-charge": Entry(shows(CHARGE), changes(CHARGE, ok=(200,))),
    # A batch's results only show: charging is the form's.
    "office:invoices-charge-batch": Entry(shows(CHARGE), every_staff_member(405)),
}
