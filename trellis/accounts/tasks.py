from __future__ import annotations

from django.db import transaction
from django_tasks import task

from trellis.accounts.models import AccessAttempt
from trellis.accounts.passwords import password_reset_send
from trellis.accounts.selectors import account_for_sign_in_email
from trellis.accounts.staff_passwords import staff_password_reset_answer
from trellis.inbox.services import sign_in_trouble_note

Result = AccessAttempt.Result


@task()
def password_reset_requested(attempt_id: int) -> None:
    """The part of forgot password that depends on who asked: find the account
    and email it a link. It runs in a worker, so the page answers in the same
    time for every email (trellis.accounts.passwords.password_reset_request).
    The office's requests get a staff link, or nothing
    (trellis.accounts.staff_passwords.staff_password_reset_answer)."""
    with transaction.atomic():
        attempt = AccessAttempt.objects.select_for_update().get(pk=attempt_id)
        if attempt.result != Result.RECEIVED:
            return  # handled already: a task may be run twice
        if attempt.side == AccessAttempt.Side.OFFICE:
            staff_password_reset_answer(attempt=attempt)
            return
        account = account_for_sign_in_email(email=attempt.email_tried)
        if account is None or account.contact is None or not account.is_active:
            attempt.result = Result.NO_ACCOUNT
            attempt.save(update_fields=["result"])
            # An address a contact is known by: the office's inbox says so.
            sign_in_trouble_note(email_tried=attempt.email_tried)
            return
        password_reset_send(contact=account.contact)
        attempt.result, attempt.user = Result.RESET_SENT, account
        attempt.save(update_fields=["result", "user"])
