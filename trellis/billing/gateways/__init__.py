from __future__ import annotations

from django.conf import settings
from django.utils.module_loading import import_string

from trellis.billing.gateways.base import Gateway

# The processors Trellis ships, by the name PAYMENT_GATEWAY may give.
GATEWAYS = {
    "sandbox": "trellis.billing.gateways.sandbox.SandboxGateway",
    "stripe": "trellis.billing.gateways.stripe.StripeGateway",
}


def get_gateway() -> Gateway:
    """The configured processor (settings.PAYMENT_GATEWAY); the sandbox by default."""
    path = GATEWAYS.get(settings.PAYMENT_GATEWAY, settings.PAYMENT_GATEWAY)
    gateway: Gateway = import_string(path)()
    return gateway


def gateway_named(name: str) -> Gateway | None:
    """The configured processor if it is called `name` (a webhook's URL names
    it), else None: events for a processor Trellis is not set up for are refused."""
    gateway = get_gateway()
    return gateway if gateway.name == name else None
