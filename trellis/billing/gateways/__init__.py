from __future__ import annotations

from django.conf import settings
from django.utils.module_loading import import_string

from trellis.billing.gateways.base import Gateway


def get_gateway() -> Gateway:
    """The configured processor (settings.PAYMENT_GATEWAY); the sandbox by default."""
    gateway: Gateway = import_string(settings.PAYMENT_GATEWAY)()
    return gateway
