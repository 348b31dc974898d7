"""Deactivating an account ends its sessions.

While an account is inactive Django refuses its sessions, but it does not
delete them: reactivated, the account would find itself signed in again in
every browser it had been used in, including the one that got it deactivated.
So the moment an account stops being active, its sessions are deleted.
"""

from __future__ import annotations

from importlib import import_module
from typing import Any

from django.conf import settings
from django.contrib.auth import SESSION_KEY
from django.contrib.sessions.models import Session
from django.core.cache import caches
from django.db import transaction
from django.utils import timezone

from trellis.accounts.models import User
from trellis.security_log import security_event

_WAS_ACTIVE = "_trellis_was_active"


def account_sessions_end(*, user: User) -> int:
    """Delete every session signed in as `user`; how many there were.

    Sessions live in the database without a column saying whose they are, so
    each unexpired one is read: at most SESSION_MAX_HOURS of sign-ins, and
    this runs only when an account is deactivated or its password reset. With
    REDIS_URL they are read from the cache first (cached_db), so they are
    deleted there too.
    """
    user_id = str(user.pk)
    theirs = [
        session.session_key
        for session in Session.objects.filter(expire_date__gt=timezone.now()).iterator(
            chunk_size=500
        )
        if session.get_decoded().get(SESSION_KEY) == user_id
    ]
    deleted, _ = Session.objects.filter(session_key__in=theirs).delete()
    _forget_cached(theirs)
    return deleted


def _forget_cached(session_keys: list[str]) -> None:
    """Delete the sessions' cached copies, now and again once the deletion
    commits: until then a request could read one from the database and cache it
    again. (One still signed in as an inactive account is refused all the same,
    and its next write, within a minute of use, fails on the missing row.)"""
    store = import_module(settings.SESSION_ENGINE).SessionStore
    if not session_keys or not hasattr(store, "cache_key_prefix"):
        return  # the db backend: the database is the only copy
    cache = caches[settings.SESSION_CACHE_ALIAS]
    keys = [store.cache_key_prefix + key for key in session_keys]
    cache.delete_many(keys)
    transaction.on_commit(lambda: cache.delete_many(keys), robust=True)


def note_deactivation(sender: type[User], instance: User, **kwargs: Any) -> None:
    """pre_save: remember whether this save turns an active account inactive."""
    update_fields = kwargs.get("update_fields")
    deactivating = (
        instance.pk is not None
        and not instance.is_active
        and (update_fields is None or "is_active" in update_fields)
        and User.objects.filter(pk=instance.pk, is_active=True).exists()
    )
    setattr(instance, _WAS_ACTIVE, deactivating)


def end_sessions_of_deactivated(sender: type[User], instance: User, **kwargs: Any) -> None:
    """post_save: the account was just deactivated, so its sessions end.

    Through a save only (the office's forms, a service): a queryset's
    update(is_active=False) sends no signal and must call
    account_sessions_end itself.
    """
    if not getattr(instance, _WAS_ACTIVE, False):
        return
    setattr(instance, _WAS_ACTIVE, False)
    ended = account_sessions_end(user=instance)
    security_event(
        "account.deactivated", user=instance, outcome="sessions_ended", sessions_ended=ended
    )
