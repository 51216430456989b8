"""Rate limits for the API: anonymous callers and customers are limited, agents' integrations get a
higher budget. Counts live in the shared cache (Redis), so every web process counts together."""

from rest_framework.throttling import AnonRateThrottle, SimpleRateThrottle, UserRateThrottle

from tickets import roles


class WindowRateThrottle(SimpleRateThrottle):
    """Counts calls per fixed window (a minute for ".../min") in one cache counter (Redis INCR).
    DRF's own throttles keep a list of every call's time, read and written whole on each call: at
    an agent's 6,000 calls a minute that is a list of 6,000 numbers pickled twice per request. A
    fixed window lets a caller spend a window's budget at its end and the next at the start of the
    next one; the rates are set with that in mind."""

    def allow_request(self, request, view):
        if self.rate is None:
            return True
        self.key = self.get_cache_key(request, view)
        if self.key is None:
            return True
        self.now = self.timer()
        start = int(self.now // self.duration) * self.duration
        self.window_end = start + self.duration
        key = f"{self.key}:{start}"
        self.cache.add(key, 0, self.duration + 1)
        try:
            count = self.cache.incr(key)
        except ValueError:  # the counter expired between add() and incr()
            self.cache.set(key, 1, self.duration + 1)
            count = 1
        return count <= self.num_requests

    def wait(self):
        return max(0.0, self.window_end - self.now)


class AnonThrottle(WindowRateThrottle, AnonRateThrottle):
    pass


class CustomerRateThrottle(WindowRateThrottle, UserRateThrottle):
    scope = "customer"

    def allow_request(self, request, view):
        if roles.is_agent(request.user):
            return True
        return super().allow_request(request, view)


class AgentRateThrottle(WindowRateThrottle, UserRateThrottle):
    scope = "agent"

    def allow_request(self, request, view):
        if not roles.is_agent(request.user):
            return True
        return super().allow_request(request, view)


__all__ = ["AnonThrottle", "AgentRateThrottle", "CustomerRateThrottle"]
