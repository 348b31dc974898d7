import datetime as dt
import secrets

import pytest
from django.urls import reverse
from django.utils import timezone

from trellis.accounts.models import AccessAttempt, AccessToken
from trellis.accounts.preview import SESSION_KEY
from trellis.audit.models import AuditEntry
from trellis.billing.models import Invoice, PaymentMethod
from trellis.customers.models import Property, PropertyContact
from trellis.mail.models import OutgoingEmail
from trellis.office.tests.query_counts import assert_queries_do_not_grow, queries_of
from trellis.office.tests.test_contact_page import SEES_NOTHING, staff_with
from trellis.office.tests.test_contact_payment_method import typed
from trellis.testing.factories import (
    ContactFactory,
    CustomerAccountFactory,
    InvoiceFactory,
    PropertyContactFactory,
)

pytestmark = pytest.mark.django_db

Role = PropertyContact.Role
PROCESSOR = "https://js.stripe.com"  # HostedFieldsGateway's


def url(name, contact):
    return reverse(f"office:{name}", kwargs={"contact_id": contact.pk})


def shown_messages(response):
    return [str(message) for message in response.context["messages"]]


def invitations(contact):
    return AccessToken.objects.filter(contact=contact, purpose=AccessToken.Purpose.INVITATION)


# Invite ------------------------------------------------------------------------------


def test_staff_invite_a_contact_and_are_told_to_whom_it_went(office, charlie, greenway):
    PropertyContactFactory(contact=charlie, role=Role.BILLING)

    response = office.post(url("contact-invite", charlie), follow=True)

    assert response.redirect_chain == [(url("contact", charlie), 302)]
    assert shown_messages(response) == ["Invitation sent to charlie@example.com."]
    assert invitations(charlie).count() == 1
    assert AuditEntry.objects.filter(action="contact.invited").exists()


def test_inviting_a_contact_who_will_see_nothing_warns_after_too(office, charlie, greenway):
    response = office.post(url("contact-invite", charlie), follow=True)

    assert shown_messages(response) == ["Invitation sent to charlie@example.com.", SEES_NOTHING]


def test_a_verified_contact_is_not_invited_and_staff_are_told_to_send_a_reset(office, alice):
    response = office.post(url("contact-invite", alice.contact), follow=True)

    assert "send a password reset instead" in shown_messages(response)[0]
    assert not invitations(alice.contact).exists()


def test_the_invite_button_refuses_staff_who_may_not_invite(client, charlie):
    client.force_login(staff_with("view_contact", "change_contact"))

    assert client.post(url("contact-invite", charlie)).status_code == 403
    assert not invitations(charlie).exists()


def test_the_buttons_answer_no_get(office, charlie):
    for name in ("contact-invite", "contact-password-reset", "contact-view-as"):
        assert office.get(url(name, charlie)).status_code == 405
    assert not invitations(charlie).exists()


def test_a_button_for_a_missing_contact_is_a_404(office):
    missing = reverse("office:contact-invite", kwargs={"contact_id": 999999})

    assert office.post(missing).status_code == 404


# Password reset ----------------------------------------------------------------------


def test_staff_send_a_verified_contact_a_password_reset(office, alice, greenway):
    response = office.post(url("contact-password-reset", alice.contact), follow=True)

    assert shown_messages(response) == ["Password reset link sent to alice@example.com."]
    assert OutgoingEmail.objects.filter(to_address="alice@example.com").exists()


def test_a_contact_without_an_account_gets_no_reset(office, charlie):
    response = office.post(url("contact-password-reset", charlie), follow=True)

    assert response.redirect_chain == [(url("contact", charlie), 302)]
    assert not OutgoingEmail.objects.exists()


def test_the_reset_button_refuses_staff_who_may_not_invite(client, alice):
    client.force_login(staff_with("view_contact"))

    assert client.post(url("contact-password-reset", alice.contact)).status_code == 403
    assert not OutgoingEmail.objects.exists()


# View as customer --------------------------------------------------------------------


def test_view_as_customer_lands_on_the_portal_home_in_a_preview(office, alice):
    response = office.post(url("contact-view-as", alice.contact))

    assert response.url == reverse("portal:home")
    assert office.session[SESSION_KEY] == alice.contact.pk
    assert AuditEntry.objects.filter(action="contact.view_as_started").exists()


def test_staff_who_may_not_see_invoices_are_told_why_and_the_refusal_recorded(client, alice):
    client.force_login(staff_with("view_contact", "view_proposal", "view_issue"))

    response = client.post(url("contact-view-as", alice.contact), follow=True)

    assert response.redirect_chain == [(url("contact", alice.contact), 302)]
    assert "invoices" in shown_messages(response)[0]
    assert SESSION_KEY not in client.session
    refused = AuditEntry.objects.get(action="contact.view_as_refused")
    assert refused.data == {"not_permitted": ["invoices"]}


def test_view_as_refuses_staff_who_may_not_see_contacts(client, alice):
    client.force_login(staff_with("view_invoice", "view_proposal", "view_issue"))

    assert client.post(url("contact-view-as", alice.contact)).status_code == 403
    assert SESSION_KEY not in client.session


# Troubleshoot portal access ----------------------------------------------------------


def test_the_troubleshooter_asks_its_questions_with_fixes_pointing_at_the_office(office, charlie):
    response = office.get(url("contact-troubleshoot", charlie))

    assert response.status_code == 200
    checks = {panel.check.code: panel for panel in response.context["checks"]}
    assert checks
    fixes = {panel.fix.url for panel in checks.values() if panel.fix}
    assert url("contact-invite", charlie) in fixes
    assert url("contact-payment-method", charlie) in fixes
    assert f'action="{url("contact-invite", charlie)}"' in response.text
    assert f'action="{url("contact-view-as", charlie)}"' in response.text
    assert f'href="{url("contact", charlie)}"' in response.text  # the breadcrumb back


def test_a_verified_contacts_reset_fix_is_the_offices_button(office, alice):
    response = office.get(url("contact-troubleshoot", alice.contact))

    fixes = {panel.fix.url for panel in response.context["checks"] if panel.fix}
    assert url("contact-password-reset", alice.contact) in fixes


def test_staff_who_may_not_invite_get_the_answers_but_no_invite_button(client, charlie):
    client.force_login(staff_with("view_contact"))

    response = client.get(url("contact-troubleshoot", charlie))

    assert response.status_code == 200 and response.context["checks"]
    assert url("contact-invite", charlie) not in response.text


def test_the_troubleshooter_needs_the_contact_view_permission(client, charlie):
    client.force_login(staff_with("view_invoice"))

    assert client.get(url("contact-troubleshoot", charlie)).status_code == 403


def test_the_troubleshooter_runs_as_many_queries_for_500_rows_as_for_5(office, staff, greenway):
    contact = ContactFactory()
    CustomerAccountFactory(contact=contact)
    now = timezone.now()

    def add_rows(n):
        start = Property.objects.count()
        places = Property.objects.bulk_create(Property(name=f"Place {start + i}") for i in range(n))
        PropertyContact.objects.bulk_create(
            PropertyContact(property=p, contact=contact, role=Role.BILLING) for p in places
        )
        for place in places[:3]:
            InvoiceFactory(property=place, status=Invoice.Status.OPEN)
        AccessToken.objects.bulk_create(
            AccessToken(
                purpose=purpose,
                contact=contact,
                token_hash=secrets.token_hex(32),
                sent_to=contact.email,
                created_by=staff,
                expires_at=now + dt.timedelta(days=7),
            )
            for _ in range(n)
            for purpose in (AccessToken.Purpose.INVITATION, AccessToken.Purpose.PASSWORD_RESET)
        )
        AccessAttempt.objects.bulk_create(
            AccessAttempt(
                kind=AccessAttempt.Kind.SIGN_IN,
                email_tried=contact.email,
                ip_address="203.0.113.5",
                result=AccessAttempt.Result.WRONG_CREDENTIALS,
            )
            for _ in range(n)
        )

    assert_queries_do_not_grow(office, url("contact-troubleshoot", contact), add_rows=add_rows)


# Save a payment method ---------------------------------------------------------------


def test_staff_save_a_card_to_a_contact_and_return_to_its_payment_methods(office, charlie):
    response = office.post(url("contact-payment-method", charlie), typed(make_default="on"))

    assert response.url == url("contact", charlie) + "#payment-methods"
    method = PaymentMethod.objects.get(contact=charlie)
    assert method.is_default and method.last4 == "4444"
    page = office.get(url("contact", charlie)).text
    assert "Mastercard •••• 4444" in page


def test_a_refused_card_keeps_the_name_typed_but_never_the_token(office, charlie):
    data = typed("4100000000000019")  # the sandbox refuses it when saved
    response = office.post(url("contact-payment-method", charlie), data)

    assert response.status_code == 400
    assert response.context["form"].errors
    assert 'value="Charlie Chen"' in response.text
    assert data["card_token"] not in response.text
    assert not PaymentMethod.objects.exists()


def test_the_card_page_lets_the_processors_card_field_load_and_the_contact_page_does_not(
    office, charlie, settings
):
    settings.PAYMENT_GATEWAY = "trellis.tests.test_security_headers.HostedFieldsGateway"

    card_page = office.get(url("contact-payment-method", charlie))
    contact_page = office.get(url("contact", charlie))

    assert PROCESSOR in card_page.headers["Content-Security-Policy"]
    assert PROCESSOR not in contact_page.headers["Content-Security-Policy"]


def test_the_card_page_refuses_staff_who_may_not_change_the_contact(client, charlie):
    client.force_login(staff_with("view_contact", "add_paymentmethod"))

    assert client.get(url("contact-payment-method", charlie)).status_code == 403
    assert client.post(url("contact-payment-method", charlie), typed()).status_code == 403
    assert not PaymentMethod.objects.exists()


def test_the_card_page_runs_a_bounded_number_of_queries(office, charlie):
    # The first visit also makes the contact a customer of the processor.
    office.get(url("contact-payment-method", charlie))
    assert queries_of(office, url("contact-payment-method", charlie)) <= 8
