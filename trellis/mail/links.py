"""Links that let someone in (an invitation, a password reset) never rest in
a readable outbox.

The outbox keeps what each email said, for staff to read. An email whose link
carries a token is stored with the token masked; the token itself is kept
beside it, encrypted with a key derived from SECRET_KEY, only until the email
is sent (or the link stops working), and put back into the message only as it
is handed to the mail server. So neither staff reading the office, nor a
database dump or backup, holds a link that works.
"""

from __future__ import annotations

import base64

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings

__all__ = ["MASK", "InvalidToken", "link_mask", "link_unmask", "secret_open", "secret_seal"]

# What the office shows in place of a token: clearly not a link that works.
MASK = "••••••"

# Binds the derived key to this use: the same SECRET_KEY signs sessions and
# cookies, and a key for one purpose must never serve another.
_KEY_PURPOSE = b"trellis.mail.link-secret"


def _key(secret_key: str) -> Fernet:
    derived = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=_KEY_PURPOSE).derive(
        secret_key.encode()
    )
    return Fernet(base64.urlsafe_b64encode(derived))


def _keys() -> MultiFernet:
    # Sealed with SECRET_KEY; opened with it or a key it replaced, so rotating
    # SECRET_KEY (the old one in SECRET_KEY_FALLBACKS) loses no queued email.
    fallbacks = getattr(settings, "SECRET_KEY_FALLBACKS", [])
    return MultiFernet([_key(settings.SECRET_KEY), *(_key(k) for k in fallbacks)])


def secret_seal(secret: str) -> str:
    return _keys().encrypt(secret.encode()).decode()


def secret_open(sealed: str) -> str:
    """The secret; raises InvalidToken when no current key opens it."""
    return _keys().decrypt(sealed.encode()).decode()


def link_mask(text: str, *, secret: str) -> str:
    return text.replace(secret, MASK) if secret else text


def link_unmask(text: str, *, secret: str) -> str:
    return text.replace(MASK, secret)
