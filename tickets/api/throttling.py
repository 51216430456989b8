"""Rate limits for the API: anonymous callers and customers are limited, agents' integrations get a
higher budget. Counts live in the shared cache (Redis), so every web process counts together."""

from rest_framework.throttling import AnonRateThrottle, UserRateThrottle

from .. import roles


class CustomerRateThrottle(UserRateThrottle):
    scope = "customer"

    def allow_request(self, request, view):
        if roles.is_agent(request.user):
            return True
        return super().allow_request(request, view)


class AgentRateThrottle(UserRateThrottle):
    scope = "agent"

    def allow_request(self, request, view):
        if not roles.is_agent(request.user):
            return True
        return super().allow_request(request, view)


__all__ = ["AnonRateThrottle", "AgentRateThrottle", "CustomerRateThrottle"]
