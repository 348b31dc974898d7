"""The office's proposals pages in the permission table."""

from trellis.tests.permission_entries import GET_NOT_ALLOWED, Entry, button, shows

VIEW = "proposals.view_proposal"
CHANGE = "proposals.change_proposal"

ENTRIES: dict[str, Entry] = {
    "office:proposals": Entry(shows(VIEW), GET_NOT_ALLOWED),
    "office:proposal": Entry(shows(VIEW), GET_NOT_ALLOWED),
    # The matrix's proposal is sent: Send refuses it, and says so on its page.
    "office:proposal-send": button(CHANGE),
    "office:proposal-withdraw": button(CHANGE),
    "office:proposal-reopen": button(CHANGE),
    # An empty form is shown again, with what is missing.
    "office:proposal-record-decision": button(CHANGE, ok=(200,)),
    # The PDF, or the page saying why not.
    "office:proposal-print": button(CHANGE, ok=(200, 302)),
    "office:proposal-email": button(CHANGE),
}
