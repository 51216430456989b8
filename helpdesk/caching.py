"""Caches of rows read from the database, and dropping them when those rows change."""

from functools import partial

from django.core.cache import cache
from django.db import transaction


def drop_now_and_after_commit(drop=None, *, key: str | None = None) -> None:
    """Drop a cache entry (`key`, or whatever `drop` clears) now and again after the current
    transaction commits: a request may read the old rows in between and cache them again."""
    drop = drop or partial(cache.delete, key)
    drop()
    transaction.on_commit(drop, robust=True)


def saves_only_last_login(update_fields) -> bool:
    """Whether a user's save changed only the last log-in (every log-in saves the user), which no
    cache holds."""
    return bool(update_fields) and set(update_fields) <= {"last_login"}
