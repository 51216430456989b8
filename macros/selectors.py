"""Reads of the text modules: which an agent may use and manage, and a module's text for one ticket."""

from __future__ import annotations

import re
import uuid

from django.conf import settings
from django.core.cache import cache
from django.db.models import Q, QuerySet
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from helpdesk.caching import drop_now_and_after_commit
from tickets import roles
from tickets.models import Priority, Profile, Status, Ticket, Tier

from .models import Macro, Scope

PICKER_LIMIT = 20

# {name} in a text module's body, filled in for the ticket it is used on.
PLACEHOLDER = re.compile(r"\{([a-z_]+)\}")
PLACEHOLDERS = ("customer_name", "customer_first_name", "reference", "subject", "agent_name", "agent_first_name",
                "tier", "ticket_link")


def macros_usable_by(user) -> QuerySet:
    """Everyone's, the user's tiers', and the user's own (admins: every tier's too)."""
    if not roles.is_agent(user):
        return Macro.objects.none()
    visible = Q(scope=Scope.GLOBAL) | Q(scope=Scope.PERSONAL, owner=user)
    if roles.is_admin(user):
        visible |= Q(scope=Scope.TIER)
    else:
        visible |= Q(scope=Scope.TIER, tier__in=roles.agent_tier_ids(user))
    return Macro.objects.filter(visible).select_related("tier", "set_category")


def _sort_key(macro: Macro):
    return (str(macro.title).casefold(), macro.pk)


def macros_matching(*, user, query: str = "") -> QuerySet:
    """The usable modules with every word of `query` in a title or text (any language)."""
    macros = macros_usable_by(user)
    for word in query.split()[:5]:
        macros = macros.filter(Q(title_de__icontains=word) | Q(title_en__icontains=word)
                               | Q(body_de__icontains=word) | Q(body_en__icontains=word))
    return macros


def macro_list(*, user, query: str = "", limit: int | None = None) -> list[Macro]:
    """By title in the reader's language (a helpdesk keeps tens to a few hundred modules)."""
    found = sorted(macros_matching(user=user, query=query)[:500], key=_sort_key)
    return found[:limit] if limit else found


def macro_get(*, user, pk: int) -> Macro:
    return macros_usable_by(user).get(pk=pk)


def may_manage(user, macro: Macro) -> bool:
    """Agents keep their own; a tier's lead its tier's; admins everything."""
    if not roles.is_agent(user):
        return False
    if roles.is_admin(user):
        return True
    if macro.scope == Scope.PERSONAL:
        return macro.owner_id == user.pk
    if macro.scope == Scope.TIER:
        return macro.tier is not None and macro.tier.lead_id == user.pk
    return False


def manageable_scopes(user) -> list[str]:
    if roles.is_admin(user):
        return [Scope.PERSONAL, Scope.TIER, Scope.GLOBAL]
    if led_tiers(user):
        return [Scope.PERSONAL, Scope.TIER]
    return [Scope.PERSONAL]


def led_tiers_queryset(user) -> QuerySet:
    """The tiers whose text modules the user manages besides their own."""
    if roles.is_admin(user):
        return Tier.objects.order_by("level")
    if not roles.is_agent(user):
        return Tier.objects.none()
    return Tier.objects.filter(lead=user).order_by("level")


def led_tiers(user) -> list[Tier]:
    return list(led_tiers_queryset(user))


def ticket_language(ticket: Ticket) -> str:
    """The language the customer reads: their profile's, else the site's."""
    try:
        return ticket.requester.profile.language or settings.LANGUAGE_CODE
    except Profile.DoesNotExist:
        return settings.LANGUAGE_CODE


def macro_text(macro: Macro, language: str) -> str:
    """The body in `language`, else in the other language (a module written in one language only)."""
    text = getattr(macro, f"body_{language}", "") or ""
    if text.strip():
        return text
    for code, _name in settings.LANGUAGES:
        other = getattr(macro, f"body_{code}", "") or ""
        if other.strip():
            return other
    return ""


def placeholder_values(ticket: Ticket, agent) -> dict[str, str]:
    requester = ticket.requester
    return {
        "customer_name": requester.get_full_name() or requester.get_username(),
        "customer_first_name": requester.first_name or requester.get_full_name() or requester.get_username(),
        "reference": ticket.reference,
        "subject": ticket.subject,
        "agent_name": agent.get_full_name() or agent.get_username(),
        "agent_first_name": agent.first_name or agent.get_full_name() or agent.get_username(),
        "tier": str(ticket.tier),
        "ticket_link": settings.HELPDESK_BASE_URL.rstrip("/") + f"/portal/tickets/{ticket.reference}/",
    }


def fill_placeholders(text: str, values: dict[str, str]) -> str:
    return PLACEHOLDER.sub(lambda m: values.get(m.group(1), m.group(0)), text)


def macro_text_for_ticket(macro: Macro, *, ticket: Ticket, agent) -> str:
    return fill_placeholders(macro_text(macro, ticket_language(ticket)), placeholder_values(ticket, agent))


def unknown_placeholders(text: str) -> list[str]:
    return sorted({name for name in PLACEHOLDER.findall(text) if name not in PLACEHOLDERS})


def current_language() -> str:
    return (get_language() or settings.LANGUAGE_CODE)[:2]


def macro_changes(macro: Macro) -> list[str]:
    """What sending the module changes, in words for the picker and the list."""
    changes = []
    if macro.set_status:
        changes.append(_("Status: %(value)s") % {"value": Status(macro.set_status).label})
    if macro.set_priority:
        changes.append(_("Priority: %(value)s") % {"value": Priority(macro.set_priority).label})
    if macro.set_category_id:
        changes.append(_("Category: %(value)s") % {"value": macro.set_category.name})
    if macro.take:
        changes.append(_("Assign to me"))
    if macro.escalate:
        changes.append(_("Escalate"))
    return changes


VERSION_KEY = "macros:version"
CHOICES_SECONDS = 300


def macro_choices(user) -> list[tuple[int, str]]:
    """(pk, title) of the modules the user may send, for the queue's bar on every queue page: in the
    cache under the version of all modules (macros/apps.py renews it when one changes), the user's
    tiers and the language, so the queue makes no query for them."""
    version = cache.get_or_set(VERSION_KEY, lambda: uuid.uuid4().hex, None)
    tiers = ",".join(str(pk) for pk in sorted(roles.agent_tier_ids(user)))
    key = f"macros:choices:{user.pk}:{tiers}:{roles.is_admin(user)}:{current_language()}:{version}"
    return cache.get_or_set(key, lambda: [(m.pk, str(m.title)) for m in macro_list(user=user)], CHOICES_SECONDS)


def forget_macro_choices(**kwargs) -> None:
    drop_now_and_after_commit(key=VERSION_KEY)
