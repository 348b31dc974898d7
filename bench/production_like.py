"""The environment every benchmark runs Trellis under: production settings
(DEBUG off, so no query log is kept), with throwaway secrets, and the sandbox
processor switched on explicitly, as a staging site would (it takes test cards
only; with DEBUG off Trellis refuses it unless told)."""

from __future__ import annotations

PRODUCTION_LIKE = {
    "DEBUG": "false",
    "SECRET_KEY": "bench-only-not-a-secret-" + "x" * 40,
    "PAYMENT_GATEWAY": "sandbox",
    "SANDBOX_PROCESSOR_ENABLED": "true",
    "SANDBOX_WEBHOOK_SECRET": "bench-only-not-a-secret-either",
    "SANDBOX_WEBHOOKS_DELIVER": "false",
}
