"""One contact's pages in the office: the contact (details, properties and
roles, portal status, emails, payment methods, autopay), adding and editing the
details, Troubleshoot portal access, saving a card or a bank account, and the
buttons that invite, send a password reset, turn autopay off or open the
portal as the contact sees it."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse

from trellis.accounts.portal_accounts import PortalAccessRefused, portal_account_set_active
from trellis.content_security import card_entry_page
from trellis.customers.contacts import (
    contact_create,
    contact_emails,
    contact_properties,
    contact_update,
)
from trellis.customers.models import Contact
from trellis.office.contact_autopay import (
    TURN_OFF_PERMISSION,
    autopay_panel,
    autopay_turn_off_and_tell,
)
from trellis.office.contact_payment_method import (
    KIND_WORDS,
    OTHER_KIND,
    SAVE_PERMISSION,
    kind_asked,
    method_entry,
    method_saved,
    payment_methods_panel,
    save_url,
)
from trellis.office.contact_portal import (
    contact_links,
    invite_and_tell,
    password_reset_and_tell,
    portal_panel,
)
from trellis.office.doctor import troubleshoot_context
from trellis.office.forms.contact import ContactForm
from trellis.office.guard import staff_button, staff_of, staff_page
from trellis.office.lists import listing_of
from trellis.office.pages import page_url, property_url
from trellis.office.view_as import view_as_start

VIEW = "customers.view_contact"
INVITE = "customers.invite_contact"
PROPERTIES_SHOWN = 25


@staff_page(VIEW, methods=("GET",))
def contact_page(request: HttpRequest, contact_id: int) -> HttpResponse:
    contact = get_object_or_404(Contact.objects.select_related("portal_account"), pk=contact_id)
    links = contact_links(contact)
    portal = portal_panel(request, contact)
    properties = listing_of(request, contact_properties(contact=contact), per_page=PROPERTIES_SHOWN)
    context = {
        "title": contact.full_name,
        "contact": contact,
        "links": links,
        "portal": portal,
        "properties": properties,
        "property_rows": [(prop, property_url(prop.pk)) for prop in properties.rows],
        "emails": [
            (email, page_url("email", email.pk)) for email in contact_emails(contact=contact)
        ],
        "payment_methods": payment_methods_panel(request, contact),
        "autopay": autopay_panel(request, contact),
    }
    return TemplateResponse(request, "office/contacts/contact.html", context)


def _contact_saved(request: HttpRequest, contact: Contact | None, details: dict) -> Contact:
    staff = staff_of(request)
    if contact is None:
        contact = contact_create(actor=staff, **details)
        messages.success(request, f"{contact.full_name} added.")
    else:
        contact = contact_update(contact=contact, actor=staff, **details)
        messages.success(request, f"{contact.full_name}'s details saved.")
    return contact


def _contact_form_page(request: HttpRequest, contact: Contact | None) -> HttpResponse:
    """Add a contact (`contact` None) or change one: the form again, with what
    was typed and each refusal beside its field, until the service takes it."""
    form = ContactForm(request.POST) if request.method == "POST" else ContactForm.of(contact)
    if form.is_bound and form.is_valid():
        try:
            saved = _contact_saved(request, contact, form.cleaned_data)
        except ValidationError as refused:
            form.add_error(None, refused)
        else:
            return redirect("office:contact", contact_id=saved.pk)
    title = f"Edit {contact.full_name}" if contact is not None else "Add a contact"
    context = {"title": title, "contact": contact, "form": form}
    return TemplateResponse(request, "office/contacts/contact_form.html", context)


@staff_page("customers.add_contact")
def contact_add(request: HttpRequest) -> HttpResponse:
    return _contact_form_page(request, None)


@staff_page("customers.change_contact")
def contact_edit(request: HttpRequest, contact_id: int) -> HttpResponse:
    return _contact_form_page(request, get_object_or_404(Contact, pk=contact_id))


@staff_button(VIEW, INVITE)
def contact_invite(request: HttpRequest, contact_id: int) -> HttpResponse:
    contact = get_object_or_404(Contact, pk=contact_id)
    invite_and_tell(request, contact)
    return redirect("office:contact", contact_id=contact.pk)


@staff_button(VIEW, INVITE)
def contact_password_reset(request: HttpRequest, contact_id: int) -> HttpResponse:
    contact = get_object_or_404(Contact, pk=contact_id)
    password_reset_and_tell(request, contact)
    return redirect("office:contact", contact_id=contact.pk)


@staff_button(VIEW, INVITE)
def contact_portal_access(request: HttpRequest, contact_id: int) -> HttpResponse:
    contact = get_object_or_404(Contact, pk=contact_id)
    active = request.POST.get("active") == "on"
    try:
        portal_account_set_active(contact=contact, actor=staff_of(request), active=active)
    except PortalAccessRefused as refusal:
        messages.error(request, refusal.message)
    else:
        messages.success(
            request,
            f"{contact.full_name} can sign in to the portal again."
            if active
            else f"{contact.full_name} can no longer sign in to the portal: "
            "every place they were signed in has ended.",
        )
    return redirect("office:contact", contact_id=contact.pk)


@staff_button(VIEW, TURN_OFF_PERMISSION)
def contact_autopay_turn_off(
    request: HttpRequest, contact_id: int, enrollment_id: int
) -> HttpResponse:
    contact = get_object_or_404(Contact, pk=contact_id)
    autopay_turn_off_and_tell(request, contact, enrollment_id)
    return redirect(contact_links(contact).page + "#autopay")


# A preview shows the contact's invoices, proposals and requests too. Seeing each
# of them (by its view or its change permission) is trellis.accounts.preview's
# rule, checked by view_as_start: staff who may see the contact but not all
# that are told why on the contact's page, and the refusal is recorded.
@staff_button(VIEW)
def contact_view_as(request: HttpRequest, contact_id: int) -> HttpResponse:
    contact = get_object_or_404(Contact, pk=contact_id)
    return view_as_start(request, contact, back=contact_links(contact).page)


@staff_page(VIEW)
def contact_troubleshoot(request: HttpRequest, contact_id: int) -> HttpResponse:
    contact = get_object_or_404(Contact, pk=contact_id)
    context = troubleshoot_context(request, contact, links=contact_links(contact))
    return TemplateResponse(request, "office/contacts/troubleshoot.html", context)


@staff_page("customers.change_contact", SAVE_PERMISSION)
@card_entry_page  # inside the guard: the sign-in redirect lets no processor in
def contact_payment_method(request: HttpRequest, contact_id: int) -> HttpResponse:
    contact = get_object_or_404(Contact, pk=contact_id)
    kind = kind_asked(request)
    form, saved = method_saved(request, contact, kind)
    links = contact_links(contact)
    if saved:
        return redirect(links.page + "#payment-methods")
    other = OTHER_KIND[kind]  # the page links to saving the other kind instead
    context = {
        "title": f"Save a {KIND_WORDS[kind]} for {contact.full_name}",
        "contact": contact,
        "kind": kind,
        "form": form,
        "entry": method_entry(contact, kind),
        "save_url": save_url(links, kind),
        "other_url": save_url(links, other),
        "other_words": KIND_WORDS[other],
    }
    # What was typed comes back with what is wrong with it.
    status = 400 if request.method == "POST" else 200
    return TemplateResponse(request, "office/contacts/payment_method.html", context, status=status)
