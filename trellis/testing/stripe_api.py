"""A local stand-in for Stripe's HTTP API, for the tests of the Stripe gateway.

The gateway runs the real `stripe` library, which makes real HTTP requests to
this server (127.0.0.1, a random port): the one chokepoint where the tests see
every request (method, path, query, headers, the form body as the library
encodes it) and answer with objects shaped as Stripe documents them
(trellis/testing/stripe_api_world.py). As Stripe does, it checks the secret key
(Authorization: Bearer) and honours Idempotency-Key: the same key with the same
parameters gets the stored answer again (Idempotent-Replayed: true), the same
key with other parameters a 400 idempotency_error.

The `stripe_api` fixture (import `stripe_api_fixture` into a test module or
conftest) starts one for a test and points the settings at it
(PAYMENT_GATEWAY="stripe", STRIPE_API_BASE and the three keys). The helpers do
what the browser and Stripe would: `confirm_setup_intent` (Stripe.js's
confirmSetup with a test card), `complete_action` (the customer answers their
bank's 3-D Secure prompt), `confirm_bank_setup_intent` and
`verify_microdeposits_on_stripe` (a bank account typed into Stripe's dialog,
its deposits confirmed on Stripe's own page), `settle_bank_payment` (a bank
debit clears or is returned, and the webhook that says so), `webhook` (an
event signed as Stripe signs it), and `fail_next` makes the next request to
an endpoint time out or drop after it took effect, the way a charge whose
answer is lost does.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Literal
from urllib.parse import parse_qsl, urlsplit

import pytest

from trellis.testing import stripe_api_banks as banks
from trellis.testing.stripe_api_world import ApiError, StripeWorld, new_id, public

FailureHow = Literal["drop", "slow", "unavailable"]


@dataclass(frozen=True)
class RecordedRequest:
    method: str
    path: str
    query: dict[str, Any]
    headers: dict[str, str]  # names in lower case
    body: dict[str, Any]  # the form body, nested as Stripe reads it (metadata[key] → dict)
    pairs: tuple[tuple[str, str], ...] = field(repr=False)  # the form body as sent

    def header(self, name: str) -> str | None:
        return self.headers.get(name.lower())


@dataclass
class Failure:
    how: FailureHow
    seconds: float


def nest(pairs: list[tuple[str, str]]) -> dict[str, Any]:
    """metadata[k]=v and items[0]=v as Stripe reads them: nested dicts and lists."""
    root: dict[str, Any] = {}
    for name, value in pairs:
        parts = re.findall(r"[^\[\]]+", name)
        node = root
        for part in parts[:-1]:
            node = node.setdefault(part, {})
        node[parts[-1]] = value
    return _lists(root)


def _lists(node: Any) -> Any:
    if not isinstance(node, dict):
        return node
    if node and all(key.isdigit() for key in node):
        return [_lists(node[key]) for key in sorted(node, key=int)]
    return {key: _lists(value) for key, value in node.items()}


Route = tuple[str, re.Pattern[str], Callable[[StripeWorld, re.Match[str], dict[str, Any]], Any]]

ROUTES: list[Route] = [
    ("POST", re.compile(r"/v1/customers"), lambda w, m, b: w.customer_create(b)),
    ("POST", re.compile(r"/v1/setup_intents"), lambda w, m, b: w.setup_intent_create(b)),
    ("GET", re.compile(r"/v1/setup_intents/(\w+)"), lambda w, m, b: w.setup_intent(m[1])),
    (
        "POST",
        re.compile(r"/v1/setup_intents/(\w+)/verify_microdeposits"),
        lambda w, m, b: banks.setup_intent_verify(w, m[1], b),
    ),
    ("GET", re.compile(r"/v1/payment_methods/(\w+)"), lambda w, m, b: w.payment_method(m[1])),
    ("POST", re.compile(r"/v1/payment_intents"), lambda w, m, b: w.payment_intent_create(b)),
    (
        "GET",
        re.compile(r"/v1/payment_intents/search"),
        lambda w, m, b: w.payment_intent_search(str(b.get("query", ""))),
    ),
    ("GET", re.compile(r"/v1/payment_intents/(\w+)"), lambda w, m, b: w.payment_intent(m[1])),
    (
        "POST",
        re.compile(r"/v1/payment_intents/(\w+)/cancel"),
        lambda w, m, b: w.payment_intent_cancel(m[1], b),
    ),
    ("POST", re.compile(r"/v1/refunds"), lambda w, m, b: w.refund_create(b)),
    ("GET", re.compile(r"/v1/charges/(\w+)"), lambda w, m, b: w.charge(m[1])),
]


class StripeApi:
    """The stand-in: a threaded HTTP server over a StripeWorld."""

    secret_key = "sk_test_standin_secret"  # noqa: S105
    publishable_key = "pk_test_standin_publishable"
    webhook_secret = "whsec_standin_webhook_secret"  # noqa: S105

    def __init__(self) -> None:
        self.world = StripeWorld()
        self.requests: list[RecordedRequest] = []
        self._lock = threading.Lock()
        self._answers: dict[str, tuple[tuple[Any, ...], int, bytes]] = {}
        self._failures: dict[str, list[Failure]] = {}
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), _handler_for(self))
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True
        )
        self._thread.start()

    @property
    def base_url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    # What the tests do

    def requests_to(self, method: str, path: str) -> list[RecordedRequest]:
        """The recorded requests with this method and exact path, in order."""
        return [r for r in self.requests if r.method == method and r.path == path]

    def fail_next(
        self, route: str = "POST /v1/payment_intents", how: FailureHow = "drop", seconds: float = 0
    ) -> None:
        """The next request to `route` fails. "drop": it takes effect (and its
        answer is stored under its Idempotency-Key), then the connection closes
        with no answer. "slow": it takes effect and the answer comes after
        `seconds`, past the client's timeout. "unavailable": a 503 before it
        reaches Stripe, nothing done, nothing stored."""
        self._failures.setdefault(route, []).append(Failure(how, seconds))

    def confirm_setup_intent(self, setup_intent: str, card: str = "pm_card_visa") -> str:
        """What the browser does with Stripe.js's confirmSetup and the test card
        `card` (pm_card_visa, …; see stripe_api_cards.TEST_CARDS): the SetupIntent
        succeeds with a new PaymentMethod for its customer, whose id is returned."""
        with self._lock:
            return self.world.setup_intent_confirm(setup_intent, card)

    def complete_action(self, payment_intent: str, *, succeed: bool = True) -> dict[str, Any]:
        """The customer answers their bank's prompt for a requires_action
        PaymentIntent: it succeeds, or (succeed=False) fails authentication."""
        with self._lock:
            return self.world.payment_intent_action_end(payment_intent, succeed=succeed)

    def confirm_bank_setup_intent(self, setup_intent: str, account: str = "000123456789") -> str:
        """What Stripe.js's collectBankAccountForSetup and confirmUsBankAccountSetup
        do with one of Stripe's test account numbers typed into Stripe's dialog
        (stripe_api_banks.TEST_BANK_ACCOUNTS): the SetupIntent waits for its
        micro-deposits (requires_action, verify_with_microdeposits) with a new
        PaymentMethod, whose id is returned."""
        with self._lock:
            intent = self.world.objects[setup_intent]
            return banks.setup_intent_bank_confirm(self.world, intent, account)

    def verify_microdeposits_on_stripe(self, setup_intent: str) -> dict[str, Any]:
        """The customer types the right amounts on Stripe's own verification
        page (the link in Stripe's email), not through Trellis."""
        with self._lock:
            return banks.setup_intent_verify(self.world, setup_intent, {"amounts": ["32", "45"]})

    def settle_bank_payment(
        self, payment_intent: str, failure_code: str | None = None
    ) -> tuple[bytes, dict[str, str]]:
        """A processing bank debit clears, or the bank returns it (the test
        account's return code, or `failure_code`): the webhook Stripe sends
        then (payment_intent.succeeded or payment_intent.payment_failed)."""
        with self._lock:
            event_type = banks.bank_payment_settle(self.world, payment_intent, failure_code)
        return self.webhook(event_type, payment_intent)

    def objects(self, kind: str) -> list[dict[str, Any]]:
        """Every object of `kind` ("payment_intent", "refund", …) Stripe holds."""
        with self._lock:
            return [public(o) for o in self.world.objects.values() if o["object"] == kind]

    def get(self, id_: str) -> dict[str, Any]:
        """The object `id_` as the API shows it now (a charge with its refunds)."""
        with self._lock:
            return self._get(id_)

    def webhook(
        self, event_type: str, object_id: str, *, timestamp: int | None = None
    ) -> tuple[bytes, dict[str, str]]:
        """A webhook request as Stripe sends it: the event's JSON body (with
        the object `object_id` as it is now) and its Stripe-Signature header."""
        with self._lock:
            event = self.world.event(event_type, self._get(object_id))
        body = json.dumps(event).encode()
        return body, {"Stripe-Signature": self.sign(body, timestamp=timestamp)}

    def _get(self, id_: str) -> dict[str, Any]:
        if id_.startswith("ch_"):
            return self.world.charge(id_)
        return public(self.world.objects[id_])

    def sign(self, body: bytes, *, timestamp: int | None = None, secret: str | None = None) -> str:
        """The Stripe-Signature header for `body`: t=<unix time>,v1=<HMAC-SHA256
        of "t.body" with the endpoint's secret>."""
        stamp = int(time.time()) if timestamp is None else timestamp
        key = (secret or self.webhook_secret).encode()
        mac = hmac.new(key, f"{stamp}.".encode() + body, hashlib.sha256).hexdigest()
        return f"t={stamp},v1={mac}"

    # Serving

    def answer(self, request: RecordedRequest) -> tuple[int, bytes, dict[str, str], Failure | None]:
        """The status, body and extra headers for a request, and the failure to
        play after it took effect."""
        self.requests.append(request)
        if request.header("Authorization") != f"Bearer {self.secret_key}":
            return _refusal(ApiError(401, "invalid_request_error", "Invalid API Key provided."))
        route = f"{request.method} {request.path}"
        failures = self._failures.get(route)
        failure = failures.pop(0) if failures else None
        if failure is not None and failure.how == "unavailable":
            return _refusal(ApiError(503, "api_error", "Service unavailable."))
        key = request.header("Idempotency-Key") if request.method == "POST" else None
        with self._lock:
            if key is not None and key in self._answers:
                fingerprint, status, body = self._answers[key]
                if fingerprint != (route, sorted(request.pairs)):
                    return _refusal(
                        ApiError(
                            400,
                            "idempotency_error",
                            "Keys for idempotent requests can only be used with the same "
                            "parameters they were first used with.",
                        )
                    )
                return status, body, {"Idempotent-Replayed": "true"}, failure
            status, body, took_effect = self._execute(request)
            if key is not None and took_effect:
                self._answers[key] = ((route, sorted(request.pairs)), status, body)
        return status, body, {}, failure

    def _execute(self, request: RecordedRequest) -> tuple[int, bytes, bool]:
        """The status and body of the answer, and whether the request took
        effect (its answer is then kept for its Idempotency-Key: a success, a
        card's decline, a try of micro-deposit amounts)."""
        params = request.body if request.method == "POST" else request.query
        for method, pattern, handle in ROUTES:
            match = pattern.fullmatch(request.path)
            if method == request.method and match:
                try:
                    result = handle(self.world, match, params)
                except ApiError as error:
                    return (*_error(error), error.took_effect or error.status == 402)
                status, obj = result if isinstance(result, tuple) else (200, result)
                _expand(self.world, obj, params.get("expand"))
                return status, json.dumps(obj).encode(), status == 200
        unknown = ApiError(
            404,
            "invalid_request_error",
            f"Unrecognized request URL ({request.method}: {request.path}).",
        )
        return (*_error(unknown), False)


def _expand(world: StripeWorld, obj: dict[str, Any], paths: Any) -> None:
    """expand[]=customer: the object's top-level ids given as the objects."""
    for path in paths if isinstance(paths, list) else []:
        value = obj.get(path)
        if isinstance(value, str) and value in world.objects:
            obj[path] = public(world.objects[value])


def _error(error: ApiError) -> tuple[int, bytes]:
    body = {"error": {**error.error, "request_log_url": f"https://dashboard/{new_id('req')}"}}
    return error.status, json.dumps(body).encode()


def _refusal(error: ApiError) -> tuple[int, bytes, dict[str, str], Failure | None]:
    """An error answered before the request takes effect: no failure plays after it."""
    status, body = _error(error)
    return status, body, {}, None


def _handler_for(api: StripeApi) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self._serve()

        def do_POST(self) -> None:
            self._serve()

        def do_DELETE(self) -> None:
            self._serve()

        def log_message(self, format: str, *args: Any) -> None:
            pass  # the tests read api.requests, not stderr

        def _serve(self) -> None:
            url = urlsplit(self.path)
            length = int(self.headers.get("Content-Length") or 0)
            pairs = parse_qsl(self.rfile.read(length).decode(), keep_blank_values=True)
            request = RecordedRequest(
                method=self.command,
                path=url.path,
                query=nest(parse_qsl(url.query, keep_blank_values=True)),
                headers={name.lower(): value for name, value in self.headers.items()},
                body=nest(pairs),
                pairs=tuple(pairs),
            )
            status, body, headers, failure = api.answer(request)
            if failure is not None and failure.how == "drop":
                self.close_connection = True
                return
            if failure is not None and failure.how == "slow":
                time.sleep(failure.seconds)
            try:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.send_header("Request-Id", new_id("req"))
                for name, value in headers.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(body)
            except OSError:
                pass  # the client gave up waiting (a "slow" answer)

    return Handler


@pytest.fixture(name="stripe_api")
def stripe_api_fixture(settings: Any) -> Iterator[StripeApi]:
    """A stand-in for Stripe's API for one test, with the settings pointing at
    it: PAYMENT_GATEWAY="stripe", STRIPE_API_BASE, STRIPE_SECRET_KEY,
    STRIPE_PUBLISHABLE_KEY and STRIPE_WEBHOOK_SECRET."""
    api = StripeApi()
    settings.PAYMENT_GATEWAY = "stripe"
    settings.STRIPE_API_BASE = api.base_url
    settings.STRIPE_SECRET_KEY = api.secret_key
    settings.STRIPE_PUBLISHABLE_KEY = api.publishable_key
    settings.STRIPE_WEBHOOK_SECRET = api.webhook_secret
    yield api
    api.stop()
