"""Telling readers apart without keeping personal data: for counting one vote per reader."""

from django.utils.crypto import salted_hmac


def visitor_key(request, *, create: bool = True) -> str | None:
    """An account's id; for a visitor without one, a salted hash of their session (a browser) or,
    for an API caller that keeps no session, of the address the call came from. Neither hash can be
    turned back into the session or the address. `create=False` (only reading whether the reader
    voted) starts no session and answers None for a browser that has none yet."""
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        return f"user:{user.pk}"
    session = request.session
    if not session.session_key and not request.path.startswith("/api/"):
        if not create:
            return None
        session.save()  # a browser keeps the cookie, so its next vote is recognised
    if session.session_key:
        return "session:" + salted_hmac("helpdesk.visitor.session", session.session_key).hexdigest()[:40]
    address = request.META.get("REMOTE_ADDR", "")
    return "address:" + salted_hmac("helpdesk.visitor.address", address).hexdigest()[:40]
