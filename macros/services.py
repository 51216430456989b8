"""Writes of the text modules: keeping them (agents their own, leads their tier's, admins all) and
sending one: its text as the reply and its changes to the ticket, through the ticket services, in
one transaction (a change the ticket refuses undoes the reply too: nothing is half-done)."""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from tickets import roles
from tickets import services as ticket_services
from tickets.models import Channel, Priority, Status

from . import selectors
from .models import Macro, Scope

TITLE_MAX_LENGTH = Macro._meta.get_field("title").max_length
BODY_MAX_LENGTH = 20000
FIELDS = ("title_de", "title_en", "body_de", "body_en", "scope", "tier", "set_status", "set_priority",
          "set_category", "take", "escalate", "escalate_reason")


def _clean(fields: dict) -> dict:
    errors: dict[str, list[str]] = {}
    titles = {k: " ".join((fields.get(k) or "").split()) for k in ("title_de", "title_en")}
    if not any(titles.values()):
        errors["title_de"] = [_("Give the text module a title.")]
    for key, title in titles.items():
        if len(title) > TITLE_MAX_LENGTH:
            errors[key] = [_("At most %(count)d characters.") % {"count": TITLE_MAX_LENGTH}]
    bodies = {k: (fields.get(k) or "").strip() for k in ("body_de", "body_en")}
    for key, body in bodies.items():
        if len(body) > BODY_MAX_LENGTH:
            errors[key] = [_("At most %(count)d characters.") % {"count": BODY_MAX_LENGTH}]
        unknown = selectors.unknown_placeholders(body)
        if unknown:
            errors[key] = [_("Unknown placeholder: %(names)s. Known are: %(known)s.") % {
                "names": ", ".join("{%s}" % n for n in unknown),
                "known": ", ".join("{%s}" % n for n in selectors.PLACEHOLDERS)}]
    scope = fields.get("scope") or Scope.PERSONAL
    if scope not in Scope.values:
        errors["scope"] = [_("Unknown choice.")]
    tier = fields.get("tier") if scope == Scope.TIER else None
    if scope == Scope.TIER and tier is None:
        errors["tier"] = [_("Choose the tier whose agents use this text module.")]
    status = fields.get("set_status") or ""
    if status and status not in Status.values:
        errors["set_status"] = [_("Unknown status.")]
    if status == Status.NEW:
        errors["set_status"] = [_("No ticket goes back to “new”.")]
    priority = fields.get("set_priority")
    if priority is not None and priority not in Priority.values:
        errors["set_priority"] = [_("Unknown priority.")]
    category = fields.get("set_category")
    if category is not None and not category.is_active:
        errors["set_category"] = [_("This category is no longer in use; please choose another.")]
    escalate = bool(fields.get("escalate"))
    reason = " ".join((fields.get("escalate_reason") or "").split())
    if escalate and not reason:
        errors["escalate_reason"] = [_("An escalation needs a reason for the next level.")]
    if escalate and fields.get("take"):
        errors["take"] = [_("An escalated ticket goes to the next level's queue: it cannot also be assigned to you.")]
    if errors:
        raise ValidationError(errors)
    if not any(bodies.values()) and not (status or priority or category or fields.get("take") or escalate):
        raise ValidationError(_("A text module needs a text or at least one change to the ticket."))
    return {**titles, **bodies, "scope": scope, "tier": tier, "set_status": status, "set_priority": priority,
            "set_category": category, "take": bool(fields.get("take")), "escalate": escalate,
            "escalate_reason": reason if escalate else ""}


def require_may_manage(actor, macro: Macro) -> None:
    if not selectors.may_manage(actor, macro):
        if macro.scope == Scope.GLOBAL:
            raise PermissionDenied(_("Only admins keep the text modules for everyone."))
        if macro.scope == Scope.TIER:
            raise PermissionDenied(_("Only the lead of the tier or an admin keeps its text modules."))
        raise PermissionDenied(_("You can only change your own text modules."))


@transaction.atomic
def macro_create(*, actor, **fields) -> Macro:
    if not roles.is_agent(actor):
        raise PermissionDenied(_("This is for support agents."))
    data = _clean(fields)
    macro = Macro(**data, owner=actor if data["scope"] == Scope.PERSONAL else None, created_by=actor)
    require_may_manage(actor, macro)
    macro.save()
    return macro


@transaction.atomic
def macro_update(*, macro: Macro, actor, **fields) -> Macro:
    macro = Macro.objects.select_for_update(of=("self",)).select_related("tier").get(pk=macro.pk)
    require_may_manage(actor, macro)
    current = {name: getattr(macro, name) for name in FIELDS}
    data = _clean({**current, **fields})
    for name, value in data.items():
        setattr(macro, name, value)
    if macro.scope == Scope.PERSONAL and macro.owner_id is None:
        macro.owner = actor
    elif macro.scope != Scope.PERSONAL:
        macro.owner = None
    require_may_manage(actor, macro)  # also where it is moved to
    macro.save()
    return macro


@transaction.atomic
def macro_delete(*, macro: Macro, actor) -> None:
    require_may_manage(actor, macro)
    macro.delete()


def _require_usable(agent, macro: Macro) -> None:
    if not selectors.macros_usable_by(agent).filter(pk=macro.pk).exists():
        raise PermissionDenied(_("This text module is not available to you."))


@transaction.atomic
def macro_apply(*, macro: Macro, ticket, agent, body: str | None = None, attachments=(), status: str | None = None,
                channel: str = Channel.WEB):
    """Send the text module on the ticket: `body` (the text as the agent edited it; None: the
    module's own text for this ticket) as a public reply, then its changes. Returns the ticket.

    Each step is the ticket service an agent's own click would call, with its rules and powers;
    a refusal raises and undoes every step before it."""
    _require_usable(agent, macro)
    text = selectors.macro_text_for_ticket(macro, ticket=ticket, agent=agent) if body is None else body
    new_status = status or macro.set_status or None
    if text.strip():
        ticket = ticket_services.ticket_reply(ticket=ticket, author=agent, body=text, attachments=attachments,
                                      status=new_status, channel=channel, event_data={"macro": {"id": macro.pk, "title": str(macro)}})
    elif new_status and new_status != ticket.status:
        ticket = ticket_services.ticket_change_status(ticket=ticket, actor=agent, status=new_status, channel=channel)
    if macro.set_priority and macro.set_priority != ticket.priority:
        ticket = ticket_services.ticket_change_priority(ticket=ticket, actor=agent, priority=macro.set_priority)
    if macro.set_category_id and macro.set_category_id != ticket.category_id:
        ticket = ticket_services.ticket_change_category(ticket=ticket, actor=agent, category=macro.set_category)
    if macro.take and ticket.assignee_id != agent.pk:
        ticket = ticket_services.ticket_take(ticket=ticket, agent=agent)
    if macro.escalate:
        ticket = ticket_services.ticket_escalate(ticket=ticket, actor=agent, reason=macro.escalate_reason)
    return ticket


def macro_apply_to_many(*, macro: Macro, tickets, agent) -> list:
    """The module on every ticket, each with its own text and in its own transaction: a refusal
    on one leaves the others sent (tickets.services.for_each_ticket)."""
    _require_usable(agent, macro)

    def send(ticket):
        macro_apply(macro=macro, ticket=ticket, agent=agent)
        return ("macro",)

    return ticket_services.for_each_ticket(tickets, send)
