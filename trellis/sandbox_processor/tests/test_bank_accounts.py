"""Bank accounts at the sandbox: saved from a token, verified by two small
deposits, charged "processing", and settled when the sandbox's clock says they
cleared or were returned."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone

from trellis.sandbox_processor import processor
from trellis.sandbox_processor.charges import Declined
from trellis.sandbox_processor.clock import clock_move, sandbox_now
from trellis.sandbox_processor.events import sandbox_events_deliver_due
from trellis.sandbox_processor.models import BankAccount, Charge, Event
from trellis.sandbox_processor.processor_banks import (
    ach_settle_due,
    bank_save,
    bank_verify,
    clock_advance,
)
from trellis.sandbox_processor.testing import bank_account_token

pytestmark = pytest.mark.django_db

DEPOSITS = (Decimal("0.32"), Decimal("0.45"))


@pytest.fixture
def customer():
    return processor.customer_create(
        name="Maria Lopez", email="maria@example.com", idempotency_key="c"
    )


def saved(customer, account_number="000123456789", key=None):
    return bank_save(
        token=bank_account_token(account_number),
        customer=customer,
        idempotency_key=key or f"save-{account_number}",
    )


def verified(customer, account_number="000123456789"):
    account = saved(customer, account_number)
    assert bank_verify(
        account=account.reference, customer=customer, amounts=DEPOSITS, idempotency_key="v-ok"
    )
    return account


def verify(account, customer, amounts, key):
    return bank_verify(
        account=account.reference,
        customer=customer,
        amounts=tuple(Decimal(a) for a in amounts),
        idempotency_key=key,
    )


def charge(customer, account, key="pay-1", amount="120.00"):
    return processor.charge_create(
        card=account.reference,
        customer=customer,
        amount=Decimal(amount),
        currency="usd",
        idempotency_key=key,
        customer_present=True,
        return_url="",
    )


def test_a_saved_account_keeps_the_bank_last_four_and_type_and_waits_for_its_deposits(customer):
    account = saved(customer)
    assert account.reference.startswith("ba_")
    assert (account.bank_name, account.last4, account.account_type) == (
        "Sandbox Test Bank",
        "6789",
        "checking",
    )
    assert account.verification == BankAccount.Verification.PENDING
    assert "000123456789" not in str(BankAccount.objects.values().get())


def test_the_instant_test_account_is_verified_when_saved(customer):
    assert saved(customer, "000000001234").verification == BankAccount.Verification.VERIFIED


def test_saving_again_with_the_same_key_gives_the_same_account(customer):
    token = bank_account_token()
    first = bank_save(token=token, customer=customer, idempotency_key="s")
    again = bank_save(token=token, customer=customer, idempotency_key="s")
    assert first.pk == again.pk
    assert BankAccount.objects.count() == 1


def test_a_used_or_another_customers_bank_token_is_refused(customer):
    token = bank_account_token(customer=customer)
    bank_save(token=token, customer=customer, idempotency_key="s1")
    with pytest.raises(Declined) as used:
        bank_save(token=token, customer=customer, idempotency_key="s2")
    assert used.value.code == "bank_token_invalid"
    other = processor.customer_create(name="Kevin", email="k@example.com", idempotency_key="k")
    with pytest.raises(Declined):
        bank_save(token=bank_account_token(customer=customer), customer=other, idempotency_key="s3")


def test_a_card_token_is_not_a_bank_token(customer):
    from trellis.sandbox_processor.testing import sandbox_token

    with pytest.raises(Declined):
        bank_save(token=sandbox_token(), customer=customer, idempotency_key="s")


@pytest.mark.parametrize("amounts", [("0.32", "0.45"), ("0.45", "0.32"), ("0.320", "0.45")])
def test_the_two_deposits_verify_the_account_in_either_order(customer, amounts):
    account = saved(customer)
    assert verify(account, customer, amounts, "v1") is True
    account.refresh_from_db()
    assert account.verification == BankAccount.Verification.VERIFIED


def test_wrong_amounts_do_not_verify_and_the_third_wrong_try_fails_it(customer):
    account = saved(customer)
    assert verify(account, customer, ("0.32", "0.54"), "v1") is False
    assert verify(account, customer, ("0.23", "0.45"), "v2") is False
    account.refresh_from_db()
    assert (account.verification, account.verify_attempts) == ("pending", 2)
    assert verify(account, customer, ("0.01", "0.02"), "v3") is False
    account.refresh_from_db()
    assert account.verification == BankAccount.Verification.FAILED
    with pytest.raises(Declined) as refused:
        verify(account, customer, ("0.32", "0.45"), "v4")
    assert refused.value.code == "verification_failed"


def test_the_same_verification_key_answers_the_same_and_counts_once(customer):
    account = saved(customer)
    for _ in range(3):
        assert verify(account, customer, ("0.10", "0.20"), "v-same") is False
    account.refresh_from_db()
    assert (account.verification, account.verify_attempts) == ("pending", 1)


def test_the_failing_test_account_cannot_be_verified_whatever_is_entered(customer):
    account = saved(customer, "000333333335")
    with pytest.raises(Declined) as refused:
        verify(account, customer, ("0.32", "0.45"), "v1")
    assert refused.value.code == "verification_failed"
    account.refresh_from_db()
    assert account.verification == BankAccount.Verification.FAILED


def test_another_customer_cannot_verify_an_account(customer):
    account = saved(customer)
    other = processor.customer_create(name="Kevin", email="k@example.com", idempotency_key="k")
    with pytest.raises(Declined) as refused:
        verify(account, other, ("0.32", "0.45"), "v1")
    assert refused.value.code == "bank_account_invalid"
    account.refresh_from_db()
    assert account.verification == BankAccount.Verification.PENDING


def test_an_unverified_account_is_not_charged_until_it_is_verified(customer):
    account = saved(customer)
    with pytest.raises(Declined) as refused:
        charge(customer, account)
    assert refused.value.code == "account_not_verified"
    assert not Charge.objects.exists()
    assert verify(account, customer, ("0.32", "0.45"), "v1")
    assert charge(customer, account).status == Charge.Status.PROCESSING  # the same key


def test_another_customers_account_is_not_charged(customer):
    account = verified(customer)
    other = processor.customer_create(name="Kevin", email="k@example.com", idempotency_key="k")
    with pytest.raises(Declined) as refused:
        charge(other, account)
    assert refused.value.code == "bank_account_invalid"


def test_a_bank_payment_is_processing_for_four_days_with_no_event_yet(customer):
    account = verified(customer)
    before = sandbox_now()
    paid = charge(customer, account)
    assert paid.status == Charge.Status.PROCESSING
    assert (paid.bank_account_id, paid.card_id) == (account.pk, None)
    assert timedelta(days=4) <= paid.clears_at - before < timedelta(days=4, minutes=1)
    assert not Event.objects.exists()
    assert ach_settle_due().succeeded == 0
    assert charge(customer, account).pk == paid.pk  # the same key: the same charge
    assert Charge.objects.count() == 1


def test_once_the_clock_passes_four_days_the_payment_clears_with_an_event(customer):
    paid = charge(customer, verified(customer))
    assert clock_advance(days=3).succeeded == 0
    run = clock_advance(days=1)
    assert (run.succeeded, run.returned) == (1, 0)
    paid.refresh_from_db()
    assert paid.status == Charge.Status.SUCCEEDED
    event = Event.objects.get()
    assert event.type == "charge.succeeded"
    data = event.payload["data"]["object"]
    assert (data["id"], data["payment_method_type"], data["metadata"]) == (
        paid.reference,
        "bank_account",
        {"idempotency_key": "pay-1"},
    )
    assert clock_advance(days=10).succeeded == 0  # settled once
    assert Event.objects.count() == 1


@pytest.mark.parametrize(
    ("account_number", "code", "return_code"),
    [
        ("000222222227", "ach_insufficient_funds", "R01"),
        ("000111111113", "ach_account_closed", "R02"),
    ],
)
def test_the_returning_test_accounts_fail_with_their_return_code(
    customer, account_number, code, return_code
):
    paid = charge(customer, verified(customer, account_number))
    assert clock_advance(days=4).returned == 1
    paid.refresh_from_db()
    assert (paid.status, paid.failure_code) == (Charge.Status.FAILED, code)
    data = Event.objects.get(type="charge.failed").payload["data"]["object"]
    assert (data["failure_code"], data["return_code"]) == (code, return_code)


def test_the_instant_account_is_charged_without_verifying(customer):
    paid = charge(customer, saved(customer, "000000001234"))
    assert paid.status == Charge.Status.PROCESSING


def test_the_sweeper_settles_what_cleared_before_delivering(customer, settings):
    paid = charge(customer, verified(customer))
    clock_move(timedelta(days=4))
    settings.SANDBOX_WEBHOOKS_DELIVER = False  # settled even when nothing is posted
    run = sandbox_events_deliver_due()
    assert (run.cleared, run.returned) == (1, 0)
    paid.refresh_from_db()
    assert paid.status == Charge.Status.SUCCEEDED


def test_the_settling_time_is_the_sandboxs_clock_or_the_one_given(customer):
    paid = charge(customer, verified(customer))
    assert ach_settle_due(now=timezone.now() + timedelta(days=3, hours=23)).succeeded == 0
    assert ach_settle_due(now=paid.clears_at).succeeded == 1


def test_the_clock_only_moves_forward():
    with pytest.raises(ValueError):
        clock_move(timedelta(days=-1))


def test_a_cleared_bank_payment_can_be_refunded_but_not_before(customer):
    paid = charge(customer, verified(customer))
    with pytest.raises(Declined) as refused:
        processor.refund_create(
            charge=paid.reference, amount=Decimal("20"), currency="USD", idempotency_key="r1"
        )
    assert refused.value.code == "not_refundable"
    clock_advance(days=4)
    refund = processor.refund_create(
        charge=paid.reference, amount=Decimal("20"), currency="USD", idempotency_key="r1"
    )
    assert refund.amount == Decimal("20.00")
    assert Event.objects.filter(type="refund.succeeded").count() == 1
