"""Manage Payments > Autopay: the state per property, turning it on in two
steps (choose, then read and tick the exact words kept), and turning it off."""

import re

import pytest
from django.template.loader import render_to_string
from django.test import Client
from django.urls import reverse
from django.utils.html import escape

from trellis.audit.models import AuditEntry
from trellis.autopay.authorisation import AUTHORISATION_VERSION
from trellis.autopay.models import Enrollment
from trellis.autopay.services import enrollments_of
from trellis.autopay.tests.world import turned_on
from trellis.billing.tests.methods import saved_card
from trellis.billing.tests.test_payment_methods import expired_method
from trellis.customers.models import PropertyContact
from trellis.portal.tests.test_bank_accounts import VERIFIED_AT_ONCE, saved_account
from trellis.testing.factories import CustomerAccountFactory, PropertyContactFactory

pytestmark = pytest.mark.django_db

PAGE = "/profile/autopay/"
ON = "/profile/autopay/on/"
POST_FORM = re.compile(r"<form\b[^>]*\bmethod=\"post\"[^>]*>", re.IGNORECASE)


def off_url(enrollment):
    return f"/profile/autopay/{enrollment.pk}/off/"


def home_of(contact, name):
    link = PropertyContactFactory(
        contact=contact, role=PropertyContact.Role.PRIMARY, property__name=name
    )
    return link.property


@pytest.fixture
def home(alice):
    return home_of(alice.contact, "12 Elm Street")


@pytest.fixture
def card(alice):
    return saved_card(alice.contact)


def chosen(method, scope="all"):
    return {"scope": scope, "method": method.pk}


def agreed(method, scope="all", **changes):
    return (
        {
            "step": "authorise",
            "version": AUTHORISATION_VERSION,
            "authorise": "on",
        }
        | chosen(method, scope)
        | changes
    )


def radio_values(html, name):
    return re.findall(rf'<input type="radio" name="{name}" value="([^"]*)"', html)


def test_the_page_lists_each_property_and_all_of_them_with_what_pays_them(
    alice_client, alice, home, card
):
    cottage = home_of(alice.contact, "The Cottage")
    turned_on(alice.contact, card, cottage)

    html = alice_client.get(PAGE).text

    rows = re.findall(r'<tr class="autopay-row">(.*?)</tr>', html, re.DOTALL)
    assert [re.search(r"<th scope=\"row\">(.*?)</th>", r)[1] for r in rows] == [
        "All my properties",
        "12 Elm Street",
        "The Cottage",
    ]
    assert "Off" in rows[0] and "Off" in rows[1]
    assert "On" in rows[2] and "Visa •••• 4242" in rows[2]
    assert f'action="{off_url(Enrollment.objects.get())}"' in rows[2]


def test_a_property_without_its_own_autopay_is_shown_paid_by_the_one_for_all(
    alice_client, alice, home, card
):
    turned_on(alice.contact, card)

    rows = re.findall(r'<tr class="autopay-row">(.*?)</tr>', alice_client.get(PAGE).text, re.S)

    assert "On, with All my properties" in rows[1] and "Visa •••• 4242" in rows[1]
    assert "Turn off" in rows[0] and "Turn off" not in rows[1]


def test_turning_on_shows_the_exact_words_then_keeps_them_with_version_and_address(
    alice_client, alice, home, card
):
    step_two = alice_client.post(ON, chosen(card, scope=home.pk))
    assert step_two.status_code == 200
    assert not Enrollment.objects.exists()
    assert 'name="authorise"' in step_two.text and "checked" not in step_two.text

    done = alice_client.post(ON, agreed(card, scope=home.pk), REMOTE_ADDR="203.0.113.7")

    assert done.status_code == 302 and done.url == PAGE
    enrollment = Enrollment.objects.get()
    assert (enrollment.contact, enrollment.property, enrollment.method) == (
        alice.contact,
        home,
        card,
    )
    assert escape(enrollment.authorisation_text) in step_two.text
    assert "12 Elm Street" in enrollment.authorisation_text
    assert enrollment.authorisation_version == AUTHORISATION_VERSION
    assert enrollment.authorised_from == "203.0.113.7"
    assert AuditEntry.objects.filter(action="autopay.on", actor=alice).count() == 1
    page = alice_client.get(PAGE).text
    assert "Autopay is on for 12 Elm Street with Visa •••• 4242." in page


def test_the_words_are_kept_in_the_language_the_customer_read_them_in(alice_client, alice, card):
    alice.contact.language = "es"
    alice.contact.save(update_fields=["language"])

    step_two = alice_client.post(ON, chosen(card))
    alice_client.post(ON, agreed(card))

    assert '<html lang="es">' in step_two.text
    assert escape(Enrollment.objects.get().authorisation_text) in step_two.text


def test_without_the_tick_nothing_is_kept_and_the_words_and_choice_stay(alice_client, home, card):
    response = alice_client.post(ON, agreed(card, scope=home.pk, authorise=""))

    assert response.status_code == 400
    assert not Enrollment.objects.exists()
    assert "Tick the box to authorise the payments." in response.text
    assert 'role="alert"' in response.text
    assert "12 Elm Street" in response.text
    assert f'name="scope" value="{home.pk}"' in response.text
    assert f'name="method" value="{card.pk}"' in response.text


def test_words_of_an_older_version_are_refused_and_the_current_ones_shown(alice_client, card):
    response = alice_client.post(ON, agreed(card, version="2020-01-01"))

    assert response.status_code == 400
    assert not Enrollment.objects.exists()
    assert "The autopay terms have changed since the page was shown: read them again." in (
        response.text
    )
    assert f'name="version" value="{AUTHORISATION_VERSION}"' in response.text


def test_another_customers_method_is_refused_at_either_step(alice_client, card):
    theirs = saved_card(CustomerAccountFactory().contact)

    for data in (chosen(theirs), agreed(theirs)):
        response = alice_client.post(ON, data)
        assert response.status_code == 400
        assert "Choose one of your saved payment methods." in response.text
    assert not Enrollment.objects.exists()


def test_another_customers_property_is_refused(alice_client, card):
    elsewhere = home_of(CustomerAccountFactory().contact, "Not Yours Farm")

    response = alice_client.post(ON, agreed(card, scope=elsewhere.pk))

    assert response.status_code == 400
    assert "Choose one of your properties." in response.text
    assert not Enrollment.objects.exists()


def test_only_chargeable_methods_are_offered_and_an_unverified_account_is_refused(
    alice_client, alice, card
):
    pending = saved_account(alice.contact)
    verified = saved_account(alice.contact, number=VERIFIED_AT_ONCE)
    expired = expired_method(alice.contact)

    offered = radio_values(alice_client.get(PAGE).text, "method")
    assert sorted(offered) == sorted([str(card.pk), str(verified.pk)])
    assert str(pending.pk) not in offered and str(expired.pk) not in offered

    for data in (chosen(pending), agreed(pending)):
        response = alice_client.post(ON, data)
        assert response.status_code == 400
        assert "This bank account is not verified yet" in response.text
        assert 'name="authorise"' not in response.text  # no words to agree to
    assert not Enrollment.objects.exists()


def test_without_a_chargeable_method_the_page_says_how_to_add_one(alice_client, alice):
    saved_account(alice.contact)

    html = alice_client.get(PAGE).text

    assert radio_values(html, "method") == []
    assert f'href="{reverse("portal:payment-methods")}"' in html
    assert f'action="{ON}"' not in html


def test_turning_off_is_one_click_and_audited(alice_client, alice, home, card):
    enrollment = turned_on(alice.contact, card, home)

    response = alice_client.post(off_url(enrollment), follow=True)

    enrollment.refresh_from_db()
    assert not enrollment.active and enrollment.ended_by_staff is None
    assert (
        "Autopay is off for 12 Elm Street. Invoices already charged are not affected."
        in response.text
    )
    entry = AuditEntry.objects.get(action="autopay.off")
    assert entry.actor == alice and entry.data["by_staff"] is False
    assert alice_client.post(off_url(enrollment)).status_code == 302  # a second click: the same


def test_another_customers_enrollment_answers_404(alice_client):
    other = CustomerAccountFactory().contact
    theirs = turned_on(other, saved_card(other), home_of(other, "Their Place"))

    assert alice_client.post(off_url(theirs)).status_code == 404
    theirs.refresh_from_db()
    assert theirs.active


def test_the_forms_need_the_csrf_token(alice, home, card):
    enrollment = turned_on(alice.contact, card, home)
    client = Client(enforce_csrf_checks=True)
    client.force_login(alice)

    assert client.post(ON, agreed(card)).status_code == 403
    assert client.post(off_url(enrollment)).status_code == 403
    assert list(Enrollment.objects.values_list("pk", "ended_at")) == [(enrollment.pk, None)]


def test_a_staff_preview_shows_the_state_but_no_form(client, staff, alice, home, card):
    enrollment = turned_on(alice.contact, card, home)
    client.force_login(staff)
    client.post(reverse("office:contact-view-as", kwargs={"contact_id": alice.contact.pk}))

    html = client.get(PAGE).text

    assert "12 Elm Street" in html and "Visa •••• 4242" in html
    actions = {re.search(r'action="([^"]*)"', form)[1] for form in POST_FORM.findall(html)}
    assert actions == {"/preview/exit/"}
    assert client.post(ON, agreed(card)).status_code == 403
    assert client.post(off_url(enrollment)).status_code == 403
    enrollment.refresh_from_db()
    assert enrollment.active and Enrollment.objects.count() == 1


def test_the_summary_for_manage_payments_says_what_autopay_pays(alice, home, card):
    turned_on(alice.contact, card, home)

    html = render_to_string(
        "portal/_autopay_summary.html",
        {"enrollments": list(enrollments_of(contact=alice.contact).order_by("pk"))},
    )

    assert "Autopay: on for 12 Elm Street with Visa •••• 4242" in html
    assert f'href="{PAGE}"' in html
