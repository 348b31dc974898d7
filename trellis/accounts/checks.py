"""Deployment checks of the accounts app (`trellis check --deploy`)."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.checks import CheckMessage, Tags, Warning, register

IMMEDIATE_TASKS = "django_tasks.backends.immediate.ImmediateBackend"


@register(Tags.security, deploy=True)
def tasks_run_in_a_worker(app_configs: Any = None, **kwargs: Any) -> list[CheckMessage]:
    backend = settings.TASKS.get("default", {}).get("BACKEND", "")
    if backend != IMMEDIATE_TASKS:
        return []
    return [
        Warning(
            "TASKS_BACKEND=immediate runs password-reset and email work inside the "
            "request: how long forgot password takes then tells which emails have "
            "an account, and a slow mail server slows every page that sends email.",
            hint=(
                "Set TASKS_BACKEND=database and run `trellis db_worker` beside the web "
                "server, or set REDIS_URL and run `trellis rqworker --job-class "
                "django_tasks_rq.Job --with-scheduler` (README: On several machines)."
            ),
            id="trellis.W001",
        )
    ]
