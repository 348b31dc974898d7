import re
import uuid
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from trellis.billing.models import Invoice, Payment, PaymentMethod
from trellis.billing.tests import declining_gateway
from trellis.billing.tests.methods import DECLINED, TIMES_OUT_ONCE, due_invoice, saved_card
from trellis.billing.tests.test_payment_methods import expired_method
from trellis.mail.models import OutgoingEmail
from trellis.sandbox_processor.models import Charge as ProcessorCharge
from trellis.sandbox_processor.testing import sandbox_token
from trellis.testing.documents import invoices, property_of
from trellis.testing.factories import ContactFactory

pytestmark = pytest.mark.django_db


def pay_screen(client, invoice):
    response = client.get(f"/invoices/{invoice.pk}/pay/")
    assert response.status_code == 200
    return response


def key_of(response):
    return re.search(r'name="idempotency_key" value="([0-9a-f]{32})"', response.text)[1]


def confirm(client, invoice, method, amount, key=None):
    return client.post(
        f"/invoices/{invoice.pk}/pay/",
        {
            "method": method.pk,
            "amount": amount,
            "idempotency_key": key or uuid.uuid4().hex,
            "confirm": "1",
        },
    )


def charges():
    """The charges the sandbox processor made, as its own ledger has them."""
    return ProcessorCharge.objects.filter(status=ProcessorCharge.Status.SUCCEEDED).count()


def test_a_due_invoice_offers_pay_invoice_and_a_paid_one_does_not(alice_client, alice):
    invoice = due_invoice(alice.contact)
    [paid] = invoices(invoice.property, 1, status=Invoice.Status.PAID)
    assert f"/invoices/{invoice.pk}/pay/" in alice_client.get(f"/invoices/{invoice.pk}/").text
    assert f"/invoices/{paid.pk}/pay/" not in alice_client.get(f"/invoices/{paid.pk}/").text


def test_the_pay_screen_preselects_the_default_and_the_balance(alice_client, alice):
    invoice = due_invoice(alice.contact)
    saved_card(alice.contact)
    default = saved_card(alice.contact, is_default=True)
    expired = expired_method(alice.contact)

    page = pay_screen(alice_client, invoice).text

    assert f'value="{default.pk}" checked' in page
    assert f'value="{expired.pk}" disabled' in page
    assert 'name="amount" value="100.00"' in page
    assert "Add a Payment Method" in page
    assert "Save this card for next time" in page


def test_paying_part_then_the_rest_through_review_and_confirmation(
    alice_client, alice, django_capture_on_commit_callbacks
):
    invoice = due_invoice(alice.contact)
    method = saved_card(alice.contact, is_default=True)
    key = key_of(pay_screen(alice_client, invoice))

    review = alice_client.post(
        f"/invoices/{invoice.pk}/pay/",
        {"method": method.pk, "amount": "40.00", "idempotency_key": key},
    )
    assert review.status_code == 200
    assert "Confirm payment" in review.text
    assert "$40.00" in review.text and "$60.00" in review.text
    assert not Payment.objects.exists()

    with django_capture_on_commit_callbacks(execute=True):
        done = confirm(alice_client, invoice, method, "40.00", key)
    payment = Payment.objects.get()
    assert done.url == f"/invoices/{invoice.pk}/payments/{payment.pk}/"
    receipt = alice_client.get(done.url).text
    assert "Thank you for your payment" in receipt and "$60.00" in receipt
    invoice.refresh_from_db()
    assert invoice.status == Invoice.Status.PARTIALLY_PAID
    assert OutgoingEmail.objects.filter(kind=OutgoingEmail.Kind.RECEIPT).count() == 1

    detail = alice_client.get(f"/invoices/{invoice.pk}/").text
    assert "Partially paid" in detail and "Succeeded" in detail and "$40.00" in detail

    confirm(alice_client, invoice, method, "60.00")
    invoice.refresh_from_db()
    assert invoice.status == Invoice.Status.PAID
    assert invoice.paid_at is not None


def test_the_same_form_confirmed_twice_is_one_payment(alice_client, alice):
    invoice = due_invoice(alice.contact)
    method = saved_card(alice.contact)
    key = uuid.uuid4().hex
    first = confirm(alice_client, invoice, method, "100.00", key)
    second = confirm(alice_client, invoice, method, "100.00", key)
    assert first.url == second.url
    assert Payment.objects.count() == 1
    assert charges() == 1


@pytest.mark.parametrize(
    ("amount", "message"),
    [
        ("100.01", "more than the balance due"),
        ("1000", "more than the balance due"),
        ("0", "at least 0.01"),
        ("-5", "at least 0.01"),
        ("abc", "at least 0.01"),
    ],
)
@pytest.mark.parametrize("step", ["review", "confirm"])
def test_a_tampered_amount_is_refused_with_a_message(alice_client, alice, amount, message, step):
    invoice = due_invoice(alice.contact)
    method = saved_card(alice.contact)
    data = {"method": method.pk, "amount": amount, "idempotency_key": uuid.uuid4().hex}
    if step == "confirm":
        data["confirm"] = "1"
    response = alice_client.post(f"/invoices/{invoice.pk}/pay/", data)
    assert response.status_code == 400
    assert message in response.text.replace("&#x27;", "'")
    assert not Payment.objects.exists()


def test_another_contacts_method_is_refused(alice_client, alice):
    invoice = due_invoice(alice.contact)
    response = confirm(alice_client, invoice, saved_card(ContactFactory()), "10.00")
    assert response.status_code == 400
    assert "Choose one of your saved payment methods" in response.text
    assert not Payment.objects.exists()


def test_an_expired_method_posted_anyway_is_refused(alice_client, alice):
    invoice = due_invoice(alice.contact)
    response = confirm(alice_client, invoice, expired_method(alice.contact), "10.00")
    assert response.status_code == 400
    assert "This card has expired" in response.text


def test_a_paid_invoice_cannot_be_paid(alice_client, alice):
    [invoice] = invoices(property_of(alice.contact), 1, status=Invoice.Status.PAID)
    screen = alice_client.get(f"/invoices/{invoice.pk}/pay/")
    assert screen.url == f"/invoices/{invoice.pk}/"
    response = confirm(alice_client, invoice, saved_card(alice.contact), "10.00")
    assert response.status_code == 400
    assert "already paid" in response.text
    assert not Payment.objects.exists()


def test_a_void_invoice_is_not_shown_so_its_pay_screen_answers_404(alice_client, alice):
    [invoice] = invoices(property_of(alice.contact), 1, status=Invoice.Status.VOID)
    assert alice_client.get(f"/invoices/{invoice.pk}/pay/").status_code == 404
    response = confirm(alice_client, invoice, saved_card(alice.contact), "10.00")
    assert response.status_code == 404
    assert not Payment.objects.exists()


@pytest.mark.parametrize("suffix", ["pay/", "payments/1/"])
def test_someone_elses_invoice_answers_404(alice_client, alice, suffix):
    theirs = due_invoice(ContactFactory())
    assert alice_client.get(f"/invoices/{theirs.pk}/{suffix}").status_code == 404
    response = confirm(alice_client, theirs, saved_card(alice.contact), "10.00")
    assert response.status_code == 404


def test_someone_elses_payment_answers_404(alice_client, alice, client):
    mine = due_invoice(alice.contact)
    other = ContactFactory()
    theirs = due_invoice(other)
    from trellis.billing.payments import invoice_pay
    from trellis.company.models import Company

    payment = invoice_pay(
        invoice_id=theirs.pk,
        contact=other,
        company=Company.load(),
        method=saved_card(other),
        amount=Decimal(10),
        idempotency_key=uuid.uuid4().hex,
    )
    assert alice_client.get(f"/invoices/{mine.pk}/payments/{payment.pk}/").status_code == 404
    assert alice_client.get(f"/invoices/{theirs.pk}/payments/{payment.pk}/").status_code == 404


def test_a_declined_card_shows_the_reason_and_charges_nothing(alice_client, alice):
    invoice = due_invoice(alice.contact)
    response = confirm(alice_client, invoice, saved_card(alice.contact, DECLINED), "50.00")
    page = alice_client.get(response.url).text
    assert "Your card was declined." in page and "Nothing was charged." in page
    invoice.refresh_from_db()
    assert invoice.balance == Decimal("100.00")
    assert Payment.objects.get().status == Payment.Status.FAILED
    assert charges() == 0


def test_a_timeout_says_so_and_the_payment_page_asks_the_processor_charging_once(
    alice_client, alice
):
    invoice = due_invoice(alice.contact)
    response = confirm(alice_client, invoice, saved_card(alice.contact, TIMES_OUT_ONCE), "100.00")
    assert Payment.objects.get().status == Payment.Status.PENDING

    page = alice_client.get(response.url).text  # shown, it asks the processor what happened

    assert "You have not been charged twice" in page
    payment = Payment.objects.get()
    assert payment.status == Payment.Status.SUCCEEDED  # the processor had charged it
    assert "Thank you for your payment" in page
    alice_client.post(f"/invoices/{invoice.pk}/payments/{payment.pk}/retry/")
    assert charges() == 1


def test_try_again_after_a_timeout_charges_once(alice_client, alice):
    invoice = due_invoice(alice.contact)
    confirm(alice_client, invoice, saved_card(alice.contact, TIMES_OUT_ONCE), "100.00")
    payment = Payment.objects.get()
    assert payment.status == Payment.Status.PENDING

    alice_client.post(f"/invoices/{invoice.pk}/payments/{payment.pk}/retry/")
    alice_client.post(f"/invoices/{invoice.pk}/payments/{payment.pk}/retry/")

    payment.refresh_from_db()
    assert payment.status == Payment.Status.SUCCEEDED
    assert charges() == 1


def new_card(number="4242424242424242", **fields):
    """The Invoice Payment form with Add a Payment Method chosen: the token the
    processor's field made of the card typed (never the card itself)."""
    return {
        "method": "new",
        "amount": "25.00",
        "idempotency_key": uuid.uuid4().hex,
        "card_token": sandbox_token(number),
        "holder_name": "Alice Arnold",
    } | fields


@pytest.mark.parametrize("save", [True, False])
def test_paying_with_a_new_card_saved_or_not(alice_client, alice, save):
    invoice = due_invoice(alice.contact)
    data = new_card()
    if save:
        data["save_card"] = "on"

    review = alice_client.post(f"/invoices/{invoice.pk}/pay/", data)

    assert review.status_code == 200, review.text
    assert "Visa •••• 4242" in review.text
    assert data["card_token"] not in review.text
    method = PaymentMethod.objects.get()
    assert (method.removed_at is None) is save
    assert method.holder_name == "Alice Arnold"
    confirm(alice_client, invoice, method, "25.00", data["idempotency_key"])
    assert Payment.objects.get().status == Payment.Status.SUCCEEDED
    assert charges() == 1
    listed = "4242" in alice_client.get("/profile/payment-methods/").text
    assert listed is save


def test_an_unsaved_card_pays_only_once(alice_client, alice):
    invoice = due_invoice(alice.contact)
    data = new_card()
    alice_client.post(f"/invoices/{invoice.pk}/pay/", data)
    method = PaymentMethod.objects.get()
    confirm(alice_client, invoice, method, "25.00", data["idempotency_key"])

    again = confirm(alice_client, invoice, method, "25.00")

    assert again.status_code == 400
    assert Payment.objects.count() == 1


def test_a_new_card_not_entered_is_asked_for_and_the_form_kept(alice_client, alice):
    invoice = due_invoice(alice.contact)
    data = new_card(card_token="", amount="12.34", holder_name="Alice Q. Arnold")

    response = alice_client.post(f"/invoices/{invoice.pk}/pay/", data)

    assert response.status_code == 400
    assert "Enter your card details." in response.text
    assert 'value="Alice Q. Arnold"' in response.text and 'value="12.34"' in response.text
    assert not PaymentMethod.objects.exists()


def refused_and_kept(response, data, message):
    """The pay screen again: the processor's reason, what was typed kept but
    the token (used once: the card is typed again), nothing saved or charged."""
    assert response.status_code == 400
    assert message in response.text.replace("&#x27;", "'")
    assert 'value="Alice Q. Arnold"' in response.text and 'value="97209"' in response.text
    assert data["card_token"] not in response.text
    assert not PaymentMethod.objects.exists()
    assert not Payment.objects.exists()
    assert charges() == 0


def test_a_new_card_the_sandbox_refuses_when_saved_is_not_saved_nor_charged(alice_client, alice):
    invoice = due_invoice(alice.contact)
    data = new_card("4100000000000019", holder_name="Alice Q. Arnold", postcode="97209")
    response = alice_client.post(f"/invoices/{invoice.pk}/pay/", data)
    refused_and_kept(response, data, "Your card was declined.")


def test_a_new_card_the_processor_declines_is_not_saved_nor_charged(alice_client, alice, settings):
    settings.PAYMENT_GATEWAY = declining_gateway.PATH
    invoice = due_invoice(alice.contact)
    data = new_card(holder_name="Alice Q. Arnold", postcode="97209")
    response = alice_client.post(f"/invoices/{invoice.pk}/pay/", data)
    refused_and_kept(response, data, declining_gateway.REASON)


def test_a_token_used_already_is_refused_with_the_processors_words(alice_client, alice):
    invoice = due_invoice(alice.contact)
    data = new_card(holder_name="Alice Q. Arnold", postcode="97209")
    assert alice_client.post(f"/invoices/{invoice.pk}/pay/", data).status_code == 200
    PaymentMethod.objects.all().delete()  # the first card, out of the way

    response = alice_client.post(f"/invoices/{invoice.pk}/pay/", data)  # the form sent again

    refused_and_kept(response, data, "Your card details have expired. Enter them again.")


def test_a_new_card_without_the_name_on_it_is_not_saved(alice_client, alice):
    invoice = due_invoice(alice.contact)
    response = alice_client.post(f"/invoices/{invoice.pk}/pay/", new_card(holder_name=""))
    assert response.status_code == 400
    assert "Enter the name on the card." in response.text
    assert not PaymentMethod.objects.exists()


def test_a_saved_method_chosen_ignores_the_card_fields(alice_client, alice):
    invoice = due_invoice(alice.contact)
    method = saved_card(alice.contact)
    data = new_card(method=method.pk, card_token="", holder_name="")
    review = alice_client.post(f"/invoices/{invoice.pk}/pay/", data)
    assert review.status_code == 200
    assert "Confirm payment" in review.text
    assert PaymentMethod.objects.count() == 1


def test_the_pay_screen_embeds_the_processors_card_field(alice_client, alice):
    invoice = due_invoice(alice.contact)
    page = pay_screen(alice_client, invoice).text
    assert 'name="card_token"' in page
    assert "/sandbox-processor/" in page
    assert 'name="number"' not in page and 'name="cvv"' not in page


def test_pay_all_due_pays_each_invoice(alice_client, alice):
    first, second = due_invoice(alice.contact), due_invoice(alice.contact)
    method = saved_card(alice.contact, is_default=True)
    page = alice_client.get("/invoices/pay-all/")
    assert "$200.00" in page.text
    batch = re.search(r'name="batch_key" value="([0-9a-f]{32})"', page.text)[1]

    done = alice_client.post("/invoices/pay-all/", {"method": method.pk, "batch_key": batch})
    alice_client.post("/invoices/pay-all/", {"method": method.pk, "batch_key": batch})

    assert done.status_code == 200
    assert first.number in done.text and second.number in done.text
    assert Payment.objects.filter(status=Payment.Status.SUCCEEDED).count() == 2
    assert charges() == 2
    for invoice in (first, second):
        invoice.refresh_from_db()
        assert invoice.status == Invoice.Status.PAID


def test_pay_all_due_of_one_property(alice_client, alice):
    first, other = due_invoice(alice.contact), due_invoice(alice.contact)
    method = saved_card(alice.contact)
    url = f"/invoices/pay-all/?property={first.property_id}"
    assert other.number not in alice_client.get(url).text
    alice_client.post(url, {"method": method.pk, "batch_key": uuid.uuid4().hex})
    other.refresh_from_db()
    assert other.status == Invoice.Status.OPEN
    assert Payment.objects.get().invoice == first
    stranger = due_invoice(ContactFactory())
    assert (
        alice_client.get(f"/invoices/pay-all/?property={stranger.property_id}").status_code == 404
    )


def test_pay_all_refuses_another_contacts_method(alice_client, alice):
    due_invoice(alice.contact)
    theirs = saved_card(ContactFactory())
    response = alice_client.post(
        "/invoices/pay-all/", {"method": theirs.pk, "batch_key": uuid.uuid4().hex}
    )
    assert response.status_code == 400
    assert not Payment.objects.exists()


def test_query_counts_do_not_grow_with_methods_and_payments(alice_client, alice):
    invoice = due_invoice(alice.contact)
    saved_card(alice.contact)

    def counts():
        with CaptureQueriesContext(connection) as pay:
            pay_screen(alice_client, invoice)
        with CaptureQueriesContext(connection) as detail:
            alice_client.get(f"/invoices/{invoice.pk}/")
        return len(pay), len(detail)

    counts()  # warm caches: the content types, the session
    before = counts()
    for _ in range(5):
        saved_card(alice.contact)
    for amount in ("1.00", "2.00", "3.00"):
        confirm(alice_client, invoice, saved_card(alice.contact), amount)
    assert counts() == before


def test_the_confirmation_posts_the_amount_unlocalised_in_spanish(alice_client, alice, settings):
    invoice = due_invoice(alice.contact)
    method = saved_card(alice.contact)
    alice_client.cookies[settings.LANGUAGE_COOKIE_NAME] = "es"
    alice.contact.language = "es"
    alice.contact.save()
    review = alice_client.post(
        f"/invoices/{invoice.pk}/pay/",
        {"method": method.pk, "amount": "40.50", "idempotency_key": uuid.uuid4().hex},
    )
    assert "40,50" in review.text  # shown the Spanish way
    assert 'name="amount" value="40.50"' in review.text


def test_pay_all_due_without_a_saved_method_says_how_to_add_one(alice_client, alice):
    due_invoice(alice.contact)
    page = alice_client.get("/invoices/pay-all/").text
    assert "Save a payment method first" in page


def test_pay_all_due_with_a_timeout_reports_it_for_that_invoice(alice_client, alice):
    invoice = due_invoice(alice.contact)
    method = saved_card(alice.contact, TIMES_OUT_ONCE)
    done = alice_client.post(
        "/invoices/pay-all/", {"method": method.pk, "batch_key": uuid.uuid4().hex}
    )
    assert invoice.number in done.text
    assert "You have not been charged twice" in done.text
