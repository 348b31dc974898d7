"""The sandbox's webhooks: signed, delivered by HTTP after commit, retried."""

import threading
import time
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from django.utils import timezone

from trellis.sandbox_processor.events import (
    MAX_ATTEMPTS,
    SignatureInvalid,
    event_payload_signed,
    event_record,
    sandbox_events_deliver_due,
    signature_verify,
)
from trellis.sandbox_processor.models import Event


class Receiver:
    """A merchant's webhook endpoint on localhost: records each request and
    answers with `status`."""

    def __init__(self) -> None:
        self.status = 200
        self.requests: list[tuple[dict[str, str], bytes]] = []
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.requests.append((dict(self.headers), body))
                self.send_response(receiver.status)
                self.end_headers()

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/webhooks/sandbox/"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def receiver(settings):
    receiver = Receiver()
    settings.SANDBOX_WEBHOOK_URL = receiver.url
    settings.SANDBOX_WEBHOOKS_DELIVER = True
    yield receiver
    receiver.close()


def an_event():
    return event_record(type="charge.succeeded", data={"id": "ch_1", "amount": "10.00"})


@pytest.mark.django_db
def test_a_signed_event_verifies():
    event = an_event()
    body, headers = event_payload_signed(event)
    assert signature_verify(body=body, headers=headers) == event.payload


@pytest.mark.django_db
def test_a_header_name_in_any_case_verifies():
    body, headers = event_payload_signed(an_event())
    assert signature_verify(body=body, headers={"sandbox-signature": headers["Sandbox-Signature"]})


@pytest.mark.django_db
def test_a_tampered_body_does_not_verify():
    body, headers = event_payload_signed(an_event())
    with pytest.raises(SignatureInvalid):
        signature_verify(body=body.replace(b"10.00", b"99.00"), headers=headers)


@pytest.mark.django_db
@pytest.mark.parametrize(("age", "valid"), [(299, True), (301, False), (-301, False)])
def test_a_signature_older_than_five_minutes_does_not_verify(age, valid):
    body, headers = event_payload_signed(an_event(), timestamp=int(time.time()) - age)
    if valid:
        signature_verify(body=body, headers=headers)
    else:
        with pytest.raises(SignatureInvalid):
            signature_verify(body=body, headers=headers)


@pytest.mark.django_db
@pytest.mark.parametrize("header", ["", "t=abc,v1=00", "v1=00", "t=1,t=2,v1=00"])
def test_a_malformed_signature_does_not_verify(header):
    with pytest.raises(SignatureInvalid):
        signature_verify(body=b"{}", headers={"Sandbox-Signature": header})


@pytest.mark.django_db(transaction=True)
def test_an_event_is_posted_signed_once_its_transaction_commits(receiver):
    event = an_event()  # autocommit: the immediate task backend runs at once
    [(headers, body)] = receiver.requests
    assert signature_verify(body=body, headers=headers) == event.payload
    assert headers["Content-Type"] == "application/json"
    event.refresh_from_db()
    assert (event.attempts, event.next_attempt_at) == (1, None)
    assert event.delivered_at is not None


@pytest.mark.django_db(transaction=True)
def test_nothing_is_posted_when_delivery_is_off(receiver, settings):
    settings.SANDBOX_WEBHOOKS_DELIVER = False
    an_event()
    assert sandbox_events_deliver_due().delivered == 0
    assert receiver.requests == []


@pytest.mark.django_db(transaction=True)
def test_a_failed_delivery_is_retried_later_with_backoff(receiver, time_machine):
    time_machine.move_to(timezone.now(), tick=False)
    receiver.status = 500
    event = an_event()
    event.refresh_from_db()
    assert (event.attempts, event.delivered_at) == (1, None)
    assert event.next_attempt_at == timezone.now() + timedelta(minutes=1)
    assert "500" in event.last_error

    assert sandbox_events_deliver_due().delivered == 0  # not due yet
    assert len(receiver.requests) == 1

    time_machine.shift(timedelta(minutes=1))
    run = sandbox_events_deliver_due()
    assert (run.delivered, run.failed) == (0, 1)
    event.refresh_from_db()
    assert event.next_attempt_at == timezone.now() + timedelta(minutes=5)

    receiver.status = 204
    time_machine.shift(timedelta(minutes=5))
    assert sandbox_events_deliver_due().delivered == 1
    event.refresh_from_db()
    assert event.delivered_at is not None
    assert len(receiver.requests) == 3
    assert sandbox_events_deliver_due().delivered == 0  # delivered once


@pytest.mark.django_db(transaction=True)
def test_an_unreachable_endpoint_is_given_up_on_after_the_last_attempt(settings, time_machine):
    time_machine.move_to(timezone.now(), tick=False)
    settings.SANDBOX_WEBHOOKS_DELIVER = True
    settings.SANDBOX_WEBHOOK_URL = "http://127.0.0.1:9/nobody-listens/"
    event = an_event()
    for _attempt in range(MAX_ATTEMPTS):
        time_machine.shift(timedelta(days=1))
        sandbox_events_deliver_due()
    event.refresh_from_db()
    assert (event.attempts, event.next_attempt_at, event.delivered_at) == (MAX_ATTEMPTS, None, None)


@pytest.mark.django_db(transaction=True)
def test_a_rolled_back_charge_sends_no_event(receiver):
    from django.db import transaction

    with pytest.raises(RuntimeError), transaction.atomic():
        an_event()
        raise RuntimeError
    assert receiver.requests == []
    assert not Event.objects.exists()
