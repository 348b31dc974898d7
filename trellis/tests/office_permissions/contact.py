"""The office's pages of one contact in the permission table: the same answers
as the admin's pages they replace (admin:customers_contact_* in
trellis/tests/test_permission_matrix.py)."""

from trellis.accounts.preview import PREVIEW_SHOWS
from trellis.tests.permission_entries import Entry, button, changes, every_staff_member, shows

CONTACT_VIEW = "customers.view_contact"
INVITE = "customers.invite_contact"
CHANGE = "customers.change_contact"
# View as customer needs to see all it shows: the contact, its invoices, proposals, requests.
VIEW_AS = tuple(f"{app}.view_{model}" for app, model, _ in PREVIEW_SHOWS)

ENTRIES: dict[str, Entry] = {
    # The page only shows: its buttons are URLs of their own.
    "office:contact": Entry(shows(CONTACT_VIEW), every_staff_member(405)),
    # An empty POST is the form again, with what is missing.
    "office:contact-add": Entry(shows("customers.add_contact"), changes("customers.add_contact")),
    "office:contact-edit": Entry(shows(CHANGE), changes(CHANGE)),
    "office:contact-invite": button(CONTACT_VIEW, INVITE),
    "office:contact-password-reset": button(CONTACT_VIEW, INVITE),
    "office:contact-portal-access": button(CONTACT_VIEW, INVITE),
    "office:contact-view-as": button(*VIEW_AS, lands="/"),
    # Staff turn a contact's autopay off (never on) as they change the contact.
    "office:contact-autopay-turn-off": button(CONTACT_VIEW, CHANGE),
    "office:contact-troubleshoot": Entry(shows(CONTACT_VIEW), shows(CONTACT_VIEW)),
    # Typing a card for a contact: saving payment methods, on a contact staff may change.
    "office:contact-payment-method": Entry(
        shows(CHANGE, "billing.add_paymentmethod"),
        changes(CHANGE, "billing.add_paymentmethod", ok=(400,)),
    ),
}
