"""Staff passwords in the permission table: the office's forgot password and
a set-password link's page answer everyone (SIGNED_OUT_ANSWERS too), an empty
POST being the form again; sending a staff member a link is a button for who
may change staff."""

from trellis.tests.permission_entries import Entry, button, every_staff_member

# A page for someone who cannot sign in: every staff member gets it as well.
OPEN_PAGE = Entry(every_staff_member(200), every_staff_member(200))

ENTRIES: dict[str, Entry] = {
    "office:password-forgot": OPEN_PAGE,
    # The walk's token is a real pending link: GET and an empty POST leave it pending.
    "office:password-set": OPEN_PAGE,
    "office:staff-member-password-link": button("accounts.change_user"),
}
