"""The office's requests pages in the permission table."""

from trellis.tests.permission_entries import Entry, button, changes, every_staff_member, shows

# The pages answer GET only: what a request shows is changed by its buttons.
GET_ONLY = every_staff_member(405)
SEES = shows("issues.view_issue")
CHANGES = "issues.change_issue"

ENTRIES: dict[str, Entry] = {
    "office:requests": Entry(SEES, GET_ONLY),
    # Without a property chosen, a POST shows the form again (200).
    "office:request-add": Entry(shows("issues.add_issue"), changes("issues.add_issue")),
    "office:request": Entry(SEES, GET_ONLY),
    "office:request-photo": Entry(SEES, GET_ONLY),
    # An empty reply shows the page again with what was wrong (200).
    "office:request-reply": button("issues.view_issue", "issues.add_comment", ok=(200, 302)),
    "office:request-start": button(CHANGES),
    "office:request-close": button(CHANGES),
    "office:request-reopen": button(CHANGES),
    "office:request-include-client": button(CHANGES),
    "office:request-assign": button(CHANGES),
}
