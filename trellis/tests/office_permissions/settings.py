"""The office's settings and staff pages in the permission table."""

from trellis.tests.permission_entries import Entry, changes, every_staff_member, shows

COMPANY_VIEW = "company.view_company"
TEMPLATE_VIEW = "mail.view_emailtemplate"
USER_VIEW = "accounts.view_user"
# Pages that only show: a POST is refused whatever the staff member holds.
GET_ONLY = every_staff_member(405)

ENTRIES: dict[str, Entry] = {
    # An empty POST is the form again, with what is missing.
    "office:settings": Entry(shows(COMPANY_VIEW), changes(COMPANY_VIEW, "company.change_company")),
    "office:email-templates": Entry(shows(TEMPLATE_VIEW), GET_ONLY),
    "office:email-template": Entry(
        shows(TEMPLATE_VIEW), changes(TEMPLATE_VIEW, "mail.change_emailtemplate")
    ),
    "office:staff": Entry(shows(USER_VIEW), GET_ONLY),
    "office:staff-member": Entry(shows(USER_VIEW), changes(USER_VIEW, "accounts.change_user")),
    "office:staff-add": Entry(
        shows("accounts.add_user", "accounts.change_user"),
        changes("accounts.add_user", "accounts.change_user"),
    ),
}
