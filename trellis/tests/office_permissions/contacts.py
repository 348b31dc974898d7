"""The office's contacts pages in the permission table."""

from trellis.tests.permission_entries import Entry, changes, every_staff_member, shows

VIEW = "customers.view_contact"
INVITE = "customers.invite_contact"

ENTRIES: dict[str, Entry] = {
    # The list; its POST invites the chosen contacts, back to the same search.
    "office:contacts": Entry(shows(VIEW), changes(VIEW, INVITE, ok=(302,)), posted=("contact",)),
    # A download: GET only.
    "office:contacts-export": Entry(shows(VIEW), every_staff_member(405)),
}
