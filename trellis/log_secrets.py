"""Keeping the tokens of emailed links out of the logs.

A reset or invitation link carries its token in the path, and Django's request
logger names the path of every 4xx and 5xx answer ("Not Found: /reset/<token>/"
for a used or expired link). A token in a log is a secret in a place read by
more people, for longer, than the link was meant for, so the filter below puts
a mask in its place in each record of the loggers it is attached to (settings.LOGGING).
"""

from __future__ import annotations

import logging
import re

MASK = "••••••"

# The routes that take a link's token: the portal's (trellis/portal/urls.py)
# and the office's set-password link (trellis/office/urls.py).
LINK_TOKEN = re.compile(r"(/(?:reset|invitation|password/set)/)[^/\s?#'\"]+")


def link_tokens_masked(text: str) -> str:
    return LINK_TOKEN.sub(rf"\g<1>{MASK}", text)


class LinkTokenFilter(logging.Filter):
    """Masks link tokens in the record's message; keeps every record."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        masked = link_tokens_masked(message)
        if masked != message:
            record.msg, record.args = masked, None
        return True
