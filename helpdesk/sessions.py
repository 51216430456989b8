"""Every login's session is noted with its user (helpdesk.models.LoginSession), so that a password
change ends the person's other sessions at once: deleted from the database and the cache (sessions
are cached_db), not only refused at their next request by Django's session hash check."""

from importlib import import_module

from django.conf import settings
from django.contrib.auth.signals import user_logged_in, user_logged_out

from .models import LoginSession


def _store():
    return import_module(settings.SESSION_ENGINE).SessionStore


def remember(*, user, session_key: str | None) -> None:
    if session_key:
        LoginSession.objects.update_or_create(session_key=session_key, defaults={"user": user})


def end_sessions(*, user, keep: str | None = None) -> int:
    """End every session of `user` but `keep` (the one the change was made in); how many ended."""
    store = _store()
    keys = list(LoginSession.objects.filter(user=user).exclude(session_key=keep or "")
                .values_list("session_key", flat=True))
    for key in keys:
        store(session_key=key).delete()
    LoginSession.objects.filter(user=user, session_key__in=keys).delete()
    return len(keys)


def _on_login(sender, request, user, **kwargs):
    session = getattr(request, "session", None)
    if session is not None:
        if session.session_key is None:
            session.save()
        remember(user=user, session_key=session.session_key)


def _on_logout(sender, request, user, **kwargs):
    session = getattr(request, "session", None)
    if session is not None and session.session_key:
        LoginSession.objects.filter(session_key=session.session_key).delete()


def connect() -> None:
    user_logged_in.connect(_on_login, dispatch_uid="helpdesk.sessions.login", weak=False)
    user_logged_out.connect(_on_logout, dispatch_uid="helpdesk.sessions.logout", weak=False)
