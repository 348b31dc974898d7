"""Where the sandbox lives, and where the merchant (Trellis) lives.

The sandbox is served by Trellis's own process under /sandbox-processor/, but
behaves as if on a site of its own: every address it hands out starts with
settings.SANDBOX_PROCESSOR_URL (which may name another host, for a truly
cross-origin card field), and it trusts the merchant's origin only as
settings.PUBLIC_BASE_URL gives it, never as a request says.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from django.conf import settings

# Paths under the sandbox's base address; urls.py routes the same ones.
CARD_ENTRY_SCRIPT = "v1/card-entry.js"
CARD_FIELD = "v1/card-field/"
CARD_FIELD_SCRIPT = "v1/card-field.js"  # the bank field's script too
BANK_FIELD = "v1/bank-field/"
TOKENS = "v1/tokens"
AUTHENTICATE = "v1/authenticate/"  # + the charge's authentication id + "/"


def origin_of(url: str) -> str:
    """scheme://host[:port] of a URL, as browsers compare origins."""
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower()


def sandbox_url(path: str) -> str:
    return f"{settings.SANDBOX_PROCESSOR_URL}/{path}"


def sandbox_origin() -> str:
    return origin_of(settings.SANDBOX_PROCESSOR_URL)


def merchant_origin() -> str:
    """The one origin allowed to frame the card field and to receive its tokens."""
    return origin_of(settings.PUBLIC_BASE_URL)


def merchant_url_safe(url: str) -> bool:
    """Whether `url` is one of the merchant's pages: the bank prompt sends the
    customer back only there, never to an address someone put in a link."""
    return bool(url) and url.startswith(settings.PUBLIC_BASE_URL + "/")
