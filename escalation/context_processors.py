from django.utils.functional import SimpleLazyObject

from tickets import roles

from . import selectors


def unread_notifications(request):
    """The agent navbar's count of unread SLA notifications: read only when a page prints it."""
    user = getattr(request, "user", None)
    if user is None or not roles.is_agent(user):
        return {}
    return {"unread_notifications": SimpleLazyObject(lambda: selectors.unread_notification_count(user))}
