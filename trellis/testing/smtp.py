"""A real SMTP server (aiosmtpd) for tests that prove delivery: the test
points Django's SMTP backend at a free port, and starts the server there when
it wants the email to get through."""

from __future__ import annotations

import socket
from collections.abc import Callable, Iterator
from typing import Any

from aiosmtpd.controller import Controller


class SmtpInbox:
    """An aiosmtpd handler that keeps every message it is given."""

    def __init__(self) -> None:
        self.envelopes: list[Any] = []

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        self.envelopes.append(envelope)
        return "250 Message accepted for delivery"


def free_port() -> int:
    # Nothing listens on it once the socket is closed, until the test starts
    # the server there.
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def smtp_backend_on(settings: Any, port: int) -> None:
    settings.EMAIL_BACKEND = "django.core.mail.backends.smtp.EmailBackend"
    settings.EMAIL_HOST = "127.0.0.1"
    settings.EMAIL_PORT = port
    settings.EMAIL_USE_TLS = False
    settings.EMAIL_HOST_USER = ""
    settings.EMAIL_TIMEOUT = 5


def smtp_servers_on(port: int) -> Iterator[Callable[[], SmtpInbox]]:
    """For a fixture: yields `start`, which starts a server on `port` and returns
    what it receives; every server started is stopped afterwards."""
    controllers: list[Controller] = []

    def start() -> SmtpInbox:
        received = SmtpInbox()
        # A fixed server name: looking up this machine's own would wait on DNS.
        controller = Controller(
            received, hostname="127.0.0.1", port=port, server_hostname="smtp.test"
        )
        controller.start()
        controllers.append(controller)
        return received

    yield start
    for controller in controllers:
        controller.stop()
