"""`trellis sandbox_advance --days N`: the sandbox's clock moves on, the bank
payments that cleared are settled and their webhooks delivered."""

from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from trellis.sandbox_processor import processor
from trellis.sandbox_processor.events import signature_verify
from trellis.sandbox_processor.models import Charge
from trellis.sandbox_processor.processor_banks import bank_save, bank_verify
from trellis.sandbox_processor.testing import bank_account_token
from trellis.sandbox_processor.tests.test_events import Receiver

pytestmark = pytest.mark.django_db


@pytest.fixture
def receiver(settings):
    receiver = Receiver()
    settings.SANDBOX_WEBHOOK_URL = receiver.url
    settings.SANDBOX_WEBHOOKS_DELIVER = True
    yield receiver
    receiver.close()


def bank_payment(account_number, key):
    """A payment from a verified test account, processing."""
    customer = processor.customer_create(name="Maria", email="m@example.com", idempotency_key="c")
    account = bank_save(
        token=bank_account_token(account_number), customer=customer, idempotency_key=f"s-{key}"
    )
    assert bank_verify(
        account=account.reference,
        customer=customer,
        amounts=(Decimal("0.45"), Decimal("0.32")),
        idempotency_key=f"v-{key}",
    )
    return processor.charge_create(
        card=account.reference,
        customer=customer,
        amount=Decimal("45.00"),
        currency="USD",
        idempotency_key=key,
        customer_present=False,
        return_url="",
    )


def advance(days):
    out = StringIO()
    call_command("sandbox_advance", days=days, stdout=out)
    return out.getvalue()


def test_four_days_on_the_payments_settle_and_their_events_are_delivered_signed(receiver):
    cleared = bank_payment("000123456789", "pay-ok")
    bank_payment("000222222227", "pay-r01")
    # The test's transaction never commits, so only the command's sweep delivers.
    output = advance(3)
    assert "0 cleared, 0 returned" in output
    assert Charge.objects.filter(status=Charge.Status.PROCESSING).count() == 2
    output = advance(1)
    assert "Sandbox clock moved on 1 day(s)" in output
    assert "1 cleared, 1 returned" in output
    assert "Webhook events: 2 delivered, 0 to retry." in output
    kinds = {}
    for headers, body in receiver.requests:
        payload = signature_verify(body=body, headers=headers)
        kinds[payload["data"]["object"]["metadata"]["idempotency_key"]] = payload["type"]
    assert kinds == {"pay-ok": "charge.succeeded", "pay-r01": "charge.failed"}
    cleared.refresh_from_db()
    assert cleared.status == Charge.Status.SUCCEEDED


def test_it_is_refused_when_the_sandbox_is_off(settings):
    settings.SANDBOX_PROCESSOR_ENABLED = False
    with pytest.raises(CommandError, match="sandbox processor is off"):
        advance(4)


def test_the_clock_does_not_go_back():
    with pytest.raises(CommandError, match="only moves forward"):
        advance(-1)
