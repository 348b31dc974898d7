"""The office's properties pages in the permission table."""

from trellis.tests.permission_entries import Entry, changes, every_staff_member, shows

VIEW = "customers.view_property"
# A page to read answers GET only.
READ_ONLY = every_staff_member(405)

ENTRIES: dict[str, Entry] = {
    "office:properties": Entry(shows(VIEW), READ_ONLY),
    "office:property": Entry(shows(VIEW), READ_ONLY),
    # The roles are part of the property's form: adding or changing the
    # property is all it needs. An empty POST is the form again, with what is missing.
    "office:property-add": Entry(
        shows("customers.add_property"), changes("customers.add_property", ok=(200,))
    ),
    "office:property-edit": Entry(
        shows("customers.change_property"), changes("customers.change_property", ok=(200,))
    ),
    # The form's contact chooser: the contacts it suggests.
    "office:contact-choices": Entry(shows("customers.view_contact"), READ_ONLY),
}
