import logging
import uuid

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_tasks import task_backends

from trellis.billing.models import Payment
from trellis.billing.payments import NOTICES_GRACE, payment_notices_due, payment_notices_send
from trellis.billing.tasks import payment_notices
from trellis.billing.tests.methods import DECLINED, due_invoice, saved_card
from trellis.company.models import Company
from trellis.inbox.models import InboxItem, NotificationPreference
from trellis.inbox.services import notification_preferences_set
from trellis.mail.models import OutgoingEmail
from trellis.testing.factories import StaffFactory
from trellis.testing.sign_in import sign_in

DUMMY_TASKS = {"default": {"BACKEND": "django_tasks.backends.dummy.DummyBackend"}}
Kind = InboxItem.Kind


@pytest.fixture
def alice_client(client, alice):
    assert sign_in(client, alice.contact.email).status_code == 302
    return client


def confirm(client, method, invoice, amount="40.00"):
    response = client.post(
        f"/invoices/{invoice.pk}/pay/",
        {
            "method": method.pk,
            "amount": amount,
            "idempotency_key": uuid.uuid4().hex,
            "confirm": "1",
        },
    )
    assert response.status_code == 302, response.content
    return response


def receipts():
    return OutgoingEmail.objects.filter(kind=OutgoingEmail.Kind.RECEIPT)


def items(kind):
    return InboxItem.objects.filter(kind=kind)


def is_transaction_control(sql):
    return sql.startswith(("BEGIN", "COMMIT", "ROLLBACK", "SAVEPOINT", "RELEASE SAVEPOINT"))


def is_the_processors(sql):
    """The sandbox processor's own queries: a real processor's are an HTTP call."""
    return '"sandbox_processor_' in sql


@pytest.mark.django_db(transaction=True)
def test_paying_an_invoice_runs_at_most_13_queries_of_its_own_and_only_queues_its_notices(
    alice_client, alice, settings
):
    # Committed transactions, as in production, and a queue that keeps its
    # tasks for the worker, so the count is the request's own: the session,
    # the account, its second factor, the company, the method, the contact's
    # reference at the processor, then the payment's three steps. The sandbox
    # processor's queries (its ledger, in the same database) are counted apart,
    # as are the BEGIN and COMMIT of each transaction, which SQLite logs and
    # PostgreSQL does not.
    settings.TASKS = DUMMY_TASKS
    invoice = due_invoice(alice.contact)
    method = saved_card(alice.contact, is_default=True)
    Company.load()  # exists in any installation
    ContentType.objects.get_for_model(Payment)  # cached by every process after its first use

    with CaptureQueriesContext(connection) as context:
        confirm(alice_client, method, invoice)

    statements = [query["sql"] for query in context.captured_queries]
    queries = [sql for sql in statements if not is_transaction_control(sql)]
    own = [sql for sql in queries if not is_the_processors(sql)]
    assert len(own) <= 13, "\n".join(own)
    assert len(own) < len(queries)  # the processor's queries were there, and left out
    assert sum(sql.startswith("BEGIN") for sql in statements) <= 3
    payment = Payment.objects.get()
    assert payment.status == Payment.Status.SUCCEEDED
    [queued] = task_backends["default"].results
    assert queued.kwargs == {"payment_id": payment.pk}
    assert not receipts().exists() and not InboxItem.objects.exists() and mail.outbox == []

    payment_notices.call(payment_id=payment.pk)

    [receipt] = receipts()
    assert invoice.number in receipt.subject and "40.00" in receipt.body_text
    assert items(Kind.PAYMENT_RECEIVED).get().payment == payment


def test_the_receipt_and_the_staff_email_are_made_and_sent_only_after_the_commit(
    alice_client, alice, django_capture_on_commit_callbacks
):
    staff = StaffFactory(email="jane@greenway.example")
    notification_preferences_set(
        user=staff, deliveries={Kind.PAYMENT_RECEIVED: NotificationPreference.Delivery.IMMEDIATELY}
    )
    invoice = due_invoice(alice.contact)
    method = saved_card(alice.contact, is_default=True)

    with django_capture_on_commit_callbacks() as callbacks:
        confirm(alice_client, method, invoice)

    assert Payment.objects.get().status == Payment.Status.SUCCEEDED
    assert not OutgoingEmail.objects.exists()
    assert not InboxItem.objects.exists()
    assert mail.outbox == []

    with django_capture_on_commit_callbacks(execute=True):
        for callback in callbacks:
            callback()

    [receipt] = receipts()
    assert receipt.to_address == "alice@example.com"
    assert receipt.status == OutgoingEmail.Status.SENT
    [notice] = OutgoingEmail.objects.filter(kind=OutgoingEmail.Kind.NOTIFICATION)
    assert notice.to_address == "jane@greenway.example"
    assert sorted(m.to[0] for m in mail.outbox) == ["alice@example.com", "jane@greenway.example"]
    assert items(Kind.PAYMENT_RECEIVED).count() == 1


def test_a_declined_card_gets_its_inbox_item_after_the_commit_and_no_receipt(
    alice_client, alice, django_capture_on_commit_callbacks
):
    invoice = due_invoice(alice.contact)
    method = saved_card(alice.contact, DECLINED)

    with django_capture_on_commit_callbacks(execute=True):
        confirm(alice_client, method, invoice, amount="30.00")

    [failed] = items(Kind.PAYMENT_FAILED)
    assert failed.payment.status == Payment.Status.FAILED
    assert failed.data == {"amount": "30.00", "reason": "Your card was declined."}
    assert not receipts().exists()


def test_the_notices_task_run_twice_makes_one_receipt_and_one_inbox_item(
    alice_client, alice, django_capture_on_commit_callbacks
):
    invoice = due_invoice(alice.contact)
    method = saved_card(alice.contact, is_default=True)
    with django_capture_on_commit_callbacks(execute=True):
        confirm(alice_client, method, invoice)
    payment = Payment.objects.get()

    with django_capture_on_commit_callbacks(execute=True):
        payment_notices_send(payment_id=payment.pk)

    assert receipts().count() == 1
    assert items(Kind.PAYMENT_RECEIVED).count() == 1


def test_a_task_queue_that_is_down_leaves_the_payment_made_and_the_sweep_sends_its_receipt(
    alice_client, alice, settings, django_capture_on_commit_callbacks, caplog, time_machine
):
    settings.TASKS = {"default": {"BACKEND": "trellis.mail.tests.backends.DownTaskBackend"}}
    invoice = due_invoice(alice.contact)
    method = saved_card(alice.contact, is_default=True)

    with caplog.at_level(logging.ERROR), django_capture_on_commit_callbacks(execute=True):
        confirm(alice_client, method, invoice)

    payment = Payment.objects.get()
    assert payment.status == Payment.Status.SUCCEEDED
    assert f"receipt and inbox item of payment {payment.pk}" in caplog.text
    assert payment_notices_due() == 0  # its task may still be on its way
    assert not receipts().exists()

    time_machine.move_to(payment.completed_at + NOTICES_GRACE)
    assert payment_notices_due() == 1
    assert payment_notices_due() == 0
    assert receipts().count() == 1
    assert items(Kind.PAYMENT_RECEIVED).get().payment == payment
