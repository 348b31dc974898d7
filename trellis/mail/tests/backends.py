"""Stand-ins for an email backend and a task queue that fail, for the delivery tests."""

from django.core.mail.backends.base import BaseEmailBackend
from django_tasks.backends.base import BaseTaskBackend


class RefusingBackend(BaseEmailBackend):
    def send_messages(self, email_messages):
        raise ConnectionRefusedError(111, "Connection refused")


class DownTaskBackend(BaseTaskBackend):
    def enqueue(self, task, args, kwargs):
        raise ConnectionError("the task queue is down")
