"""Every non-trivial read of tickets, with the visibility rules in one place.

Agents read every ticket, solved and closed ones included (a recurring case can be solved at a lower
tier). Customers read only the tickets they filed, and never an internal event.
"""

from django.db.models import Prefetch, QuerySet
from django.http import Http404

from . import roles
from .filters import STATUS_OPEN, TIER_MINE, TicketFilter
from .models import Attachment, Category, Ticket, TicketEvent, Tier

LIST_RELATED = ("tier", "category", "assignee", "requester")


def tickets_visible_to(user) -> QuerySet:
    if roles.is_agent(user):
        return Ticket.objects.all()
    if user.is_authenticated and user.is_active:
        return Ticket.objects.filter(requester=user)
    return Ticket.objects.none()


def ticket_get_for_user(*, user, reference: str) -> Ticket:
    """The ticket, or Http404 when it does not exist or is not the user's to see (no difference shown)."""
    try:
        return tickets_visible_to(user).select_related(*LIST_RELATED).get(reference=reference)
    except Ticket.DoesNotExist:
        raise Http404 from None


def ticket_list(*, user, params=None, defaults=None) -> TicketFilter:
    """A filtered, sorted list of the tickets the user may see. Returns the bound FilterSet: its `.qs`
    is the list (with related rows joined, so rendering a page costs no further queries) and its
    form shows the filters and their errors."""
    data = params.copy() if params is not None else {}
    for key, value in (defaults or {}).items():
        if not data.get(key):
            data[key] = value
    queryset = tickets_visible_to(user).select_related(*LIST_RELATED).order_by("-updated_at", "-id")
    return TicketFilter(data, queryset=queryset, user=user)


def agent_queue(*, user, params=None) -> TicketFilter:
    """The agent queue: by default the open tickets of the agent's own tiers."""
    return ticket_list(user=user, params=params, defaults={"status": STATUS_OPEN, "tier": TIER_MINE})


def customer_tickets(*, user) -> QuerySet:
    return Ticket.objects.filter(requester=user).select_related("category").order_by("-updated_at", "-id")


def ticket_timeline(*, ticket: Ticket, user) -> QuerySet:
    events = TicketEvent.objects.filter(ticket=ticket).select_related("actor")
    if not roles.is_agent(user):
        events = events.filter(is_public=True)
    return events.prefetch_related(Prefetch("attachments", queryset=Attachment.objects.order_by("id")))


def attachment_get_for_user(*, user, pk: int) -> Attachment:
    attachment = Attachment.objects.select_related("event", "ticket").filter(pk=pk).first()
    if attachment is None:
        raise Http404
    if not roles.is_agent(user) and (
        attachment.ticket.requester_id != user.pk or not attachment.event.is_public
    ):
        raise Http404
    return attachment


def tiers() -> QuerySet:
    return Tier.objects.order_by("level")


def active_categories() -> QuerySet:
    return Category.objects.filter(is_active=True).order_by("name")


def tier_agents(tier: Tier):
    from django.contrib.auth import get_user_model

    return get_user_model().objects.filter(tier_memberships__tier=tier, is_active=True).order_by(
        "first_name", "last_name", "username"
    )
