"""Who may call an endpoint at all, checked before the request's input is read: a customer who
calls an agents' endpoint hears "only agents" (403), not what was wrong with the input (400). The
services check the same rules again, for every other entry point."""

from django.utils.translation import gettext_lazy as _
from rest_framework.permissions import IsAuthenticated

from tickets import roles


class IsAgent(IsAuthenticated):
    message = _("Only agents can do this.")

    def has_permission(self, request, view):
        return super().has_permission(request, view) and roles.is_agent(request.user)
