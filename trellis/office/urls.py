"""The office's pages, under /office/ (names office:…). Each area's routes
are in its own section; every view states what it needs (trellis/office/guard.py)."""

from django.urls import path

from trellis.office.sign_in import office_sign_in
from trellis.office.views import (
    account,
    bulk_charges,
    contact,
    contacts,
    email,
    inbox,
    invoice_refunds,
    invoices,
    properties,
    proposals,
    requests,
    settings,
    staff,
    staff_password,
)

app_name = "office"

urlpatterns = [
    path("login/", office_sign_in, name="sign-in"),
    path("sign-out/", account.sign_out, name="sign-out"),
    path("password/", account.password_change_page, name="password-change"),
    # Home: the inbox.
    path("", inbox.office_home, name="home"),
    path("inbox/mark/", inbox.inbox_item_mark, name="inbox-mark"),
    path("inbox/email-me/", inbox.inbox_preferences, name="inbox-preferences"),
    # Contacts
    path("contacts/", contacts.contact_list, name="contacts"),
    path("contacts/export.csv", contacts.contacts_export, name="contacts-export"),
    # A contact
    path("contacts/new/", contact.contact_add, name="contact-add"),
    path("contacts/<int:contact_id>/", contact.contact_page, name="contact"),
    path("contacts/<int:contact_id>/edit/", contact.contact_edit, name="contact-edit"),
    path("contacts/<int:contact_id>/invite/", contact.contact_invite, name="contact-invite"),
    path(
        "contacts/<int:contact_id>/password-reset/",
        contact.contact_password_reset,
        name="contact-password-reset",
    ),
    path("contacts/<int:contact_id>/view-as/", contact.contact_view_as, name="contact-view-as"),
    path(
        "contacts/<int:contact_id>/portal-access/",
        contact.contact_portal_access,
        name="contact-portal-access",
    ),
    path(
        "contacts/<int:contact_id>/troubleshoot/",
        contact.contact_troubleshoot,
        name="contact-troubleshoot",
    ),
    path(
        "contacts/<int:contact_id>/payment-method/",
        contact.contact_payment_method,
        name="contact-payment-method",
    ),
    path(
        "contacts/<int:contact_id>/autopay/<int:enrollment_id>/turn-off/",
        contact.contact_autopay_turn_off,
        name="contact-autopay-turn-off",
    ),
    # Properties
    path("properties/", properties.property_list, name="properties"),
    path("properties/new/", properties.property_add, name="property-add"),
    path("properties/contact-choices/", properties.contact_choices, name="contact-choices"),
    path("properties/<int:property_id>/", properties.property_page, name="property"),
    path("properties/<int:property_id>/edit/", properties.property_edit, name="property-edit"),
    # Proposals
    path("proposals/", proposals.proposal_list, name="proposals"),
    path("proposals/<int:proposal_id>/", proposals.proposal_detail, name="proposal"),
    path(
        "proposals/<int:proposal_id>/send/",
        proposals.proposal_send_button,
        name="proposal-send",
    ),
    path(
        "proposals/<int:proposal_id>/withdraw/",
        proposals.proposal_withdraw_button,
        name="proposal-withdraw",
    ),
    path(
        "proposals/<int:proposal_id>/reopen/",
        proposals.proposal_reopen_button,
        name="proposal-reopen",
    ),
    path(
        "proposals/<int:proposal_id>/record-decision/",
        proposals.proposal_record_decision_button,
        name="proposal-record-decision",
    ),
    path(
        "proposals/<int:proposal_id>/print/",
        proposals.proposal_print_button,
        name="proposal-print",
    ),
    path(
        "proposals/<int:proposal_id>/email/",
        proposals.proposal_email_button,
        name="proposal-email",
    ),
    # Invoices
    path("invoices/", invoices.invoice_list, name="invoices"),
    path("invoices/<int:invoice_id>/", invoices.invoice_detail, name="invoice"),
    # Charge saved methods in bulk, and a batch's results
    path("invoices/charge/", bulk_charges.bulk_charge_page, name="invoices-charge"),
    path(
        "invoices/charge/<int:batch_id>/",
        bulk_charges.bulk_charge_batch,
        name="invoices-charge-batch",
    ),
    path("invoices/<int:invoice_id>/issue/", invoices.invoice_issue_button, name="invoice-issue"),
    path("invoices/<int:invoice_id>/void/", invoices.invoice_void_button, name="invoice-void"),
    path(
        "invoices/<int:invoice_id>/record-payment/",
        invoices.invoice_record_payment_button,
        name="invoice-record-payment",
    ),
    path(
        "invoices/<int:invoice_id>/payments/<int:payment_id>/reverse/",
        invoices.invoice_reverse_payment_button,
        name="invoice-reverse-payment",
    ),
    path(
        "invoices/<int:invoice_id>/payments/<int:payment_id>/refund/",
        invoice_refunds.invoice_refund_payment_button,
        name="invoice-refund-payment",
    ),
    path("invoices/<int:invoice_id>/print/", invoices.invoice_print_button, name="invoice-print"),
    path("invoices/<int:invoice_id>/email/", invoices.invoice_email_button, name="invoice-email"),
    # Requests
    path("requests/", requests.request_list, name="requests"),
    path("requests/new/", requests.request_add, name="request-add"),
    path("requests/<int:request_id>/", requests.request_detail, name="request"),
    path(
        "requests/<int:request_id>/photos/<int:photo_id>/",
        requests.request_photo,
        name="request-photo",
    ),
    path("requests/<int:request_id>/reply/", requests.request_reply_add, name="request-reply"),
    path("requests/<int:request_id>/start/", requests.request_start_button, name="request-start"),
    path("requests/<int:request_id>/close/", requests.request_close_button, name="request-close"),
    path(
        "requests/<int:request_id>/reopen/", requests.request_reopen_button, name="request-reopen"
    ),
    path(
        "requests/<int:request_id>/include-client/",
        requests.request_include_client_button,
        name="request-include-client",
    ),
    path(
        "requests/<int:request_id>/assign/", requests.request_assign_button, name="request-assign"
    ),
    # Email
    path("email/", email.email_list, name="emails"),
    path("email/<int:email_id>/", email.email_page, name="email"),
    path(
        "email/<int:email_id>/attachments/<int:attachment_id>/",
        email.email_attachment,
        name="email-attachment",
    ),
    path("email/<int:email_id>/retry/", email.email_retry_button, name="email-retry"),
    # Settings
    path("settings/", settings.settings_page, name="settings"),
    path("settings/email-templates/", settings.email_template_list, name="email-templates"),
    path(
        "settings/email-templates/<int:template_id>/",
        settings.email_template_page,
        name="email-template",
    ),
    # Staff
    path("staff/", staff.staff_list, name="staff"),
    path("staff/new/", staff.staff_add, name="staff-add"),
    path("staff/<int:user_id>/", staff.staff_member_page, name="staff-member"),
    # Staff passwords
    path("password/forgot/", staff_password.password_forgot, name="password-forgot"),
    path("password/set/<str:token>/", staff_password.password_set, name="password-set"),
    path(
        "staff/<int:user_id>/password-link/",
        staff_password.staff_member_password_link,
        name="staff-member-password-link",
    ),
]
