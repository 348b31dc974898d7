"""The office's invoices pages in the permission table."""

from trellis.tests.permission_entries import GET_NOT_ALLOWED, Entry, button, shows

VIEW = "billing.view_invoice"
CHANGE = "billing.change_invoice"
REFUND = "billing.add_paymentrefund"

ENTRIES: dict[str, Entry] = {
    "office:invoices": Entry(shows(VIEW), GET_NOT_ALLOWED),
    "office:invoice": Entry(shows(VIEW), GET_NOT_ALLOWED),
    "office:invoice-issue": button(CHANGE),
    "office:invoice-void": button(CHANGE),
    # An empty form is shown again, with what is missing.
    "office:invoice-record-payment": button(CHANGE, ok=(200,)),
    "office:invoice-reverse-payment": button(CHANGE),
    # Money back through the processor: the Office manager's (the form, posted
    # empty, comes back to the page saying what is missing).
    "office:invoice-refund-payment": button(REFUND),
    # The PDF, or the page saying why not.
    "office:invoice-print": button(CHANGE, ok=(200, 302)),
    "office:invoice-email": button(CHANGE),
}
