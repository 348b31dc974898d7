"""The office's email pages in the permission table: seeing the outbox, an email
and its attachments takes the view permission; Retry sending, the change one."""

from trellis.tests.permission_entries import Entry, button, every_staff_member, shows

VIEW = "mail.view_outgoingemail"
CHANGE = "mail.change_outgoingemail"
# Pages to read: a POST is no method of theirs, whoever asks.
READ_ONLY = every_staff_member(405)

ENTRIES: dict[str, Entry] = {
    "office:emails": Entry(shows(VIEW), READ_ONLY),
    "office:email": Entry(shows(VIEW), READ_ONLY),
    "office:email-attachment": Entry(shows(VIEW), READ_ONLY),
    # The walk's email is queued, not failed: refused with a message, back to its page.
    "office:email-retry": button(CHANGE),
}
