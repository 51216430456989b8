"""Timeline events told in the reader's language.

Events store facts (`kind` and `data`), never finished sentences, so a German agent and an English
customer read the same event each in their own language. Pages, the API and mails all use this.
"""

from django.utils.translation import gettext as _

from .models import Channel, EventKind, Priority, Status


# Other apps explain the structured facts they store on events (e.g. which SLA rule fired). They
# register a function here at start-up; tickets stays unaware of what those facts mean.
_detail_renderers = []


def register_detail_renderer(renderer) -> None:
    """`renderer(event) -> str | None`: a sentence about the event in the active language, or None."""
    if renderer not in _detail_renderers:
        _detail_renderers.append(renderer)


def describe_details(event) -> str:
    for renderer in _detail_renderers:
        text = renderer(event)
        if text:
            return text
    return ""


def _label(choices, value):
    try:
        return str(choices(value).label)
    except ValueError:
        return str(value)


def _name(ref):
    return ref["name"] if ref else _("nobody")


def tier_name(ref) -> str:
    """A tier stored on an event (`{"id", "level", "name"}`) by its name in the reader's language; the
    stored name (English) once the tier is gone."""
    if not ref:
        return _("nobody")
    from .selectors import reference_lists  # selectors builds on the models this module reads

    for tier in reference_lists().tiers:
        if tier.pk == ref.get("id"):
            return tier.name
    return ref.get("name") or "?"


def category_name(pk, stored) -> str:
    """A category stored on an event, in the reader's language (the stored name once it is gone)."""
    if pk is None and stored is None:
        return _("none")
    from .selectors import reference_lists

    return dict(reference_lists().categories).get(pk) or stored or _("none")


def describe_event(event, *, reader_id=None) -> str:
    """`reader_id`: the person reading, so that their own message is called theirs."""
    data = event.data or {}
    kind = event.kind
    if kind == EventKind.CREATED:
        return _("Ticket created")
    if kind == EventKind.REPLY:
        if data.get("author_role") == "customer":
            if reader_id is not None and event.actor_id == reader_id:
                return _("Your message")
            return _("Message from the customer")
        return _("Public reply")
    if kind == EventKind.NOTE:
        return _("Internal note")
    if kind == EventKind.STATUS:
        return _("Status changed from “%(old)s” to “%(new)s”") % {
            "old": _label(Status, data.get("from")),
            "new": _label(Status, data.get("to")),
        }
    if kind == EventKind.PRIORITY:
        return _("Priority changed from “%(old)s” to “%(new)s”") % {
            "old": _label(Priority, data.get("from")),
            "new": _label(Priority, data.get("to")),
        }
    if kind == EventKind.CATEGORY:
        return _("Category changed from “%(old)s” to “%(new)s”") % {
            "old": category_name(data.get("from_id"), data.get("from")),
            "new": category_name(data.get("to_id"), data.get("to")),
        }
    if kind == EventKind.ASSIGNMENT:
        if data.get("to") is None:
            return _("%(old)s gave the ticket back to the tier queue") % {"old": _name(data.get("from"))}
        return _("Assigned to %(new)s") % {"new": _name(data.get("to"))}
    if kind == EventKind.TIER:
        values = {"old": tier_name(data.get("from")), "new": tier_name(data.get("to"))}
        if data.get("automatic"):
            return _("Escalated automatically from %(old)s to %(new)s") % values
        if data.get("direction") == "down":
            return _("Sent back from %(old)s to %(new)s") % values
        return _("Escalated from %(old)s to %(new)s") % values
    if kind == EventKind.AUTOMATION:
        return _("Automatic action")
    if kind == EventKind.CALL:
        values = {"minutes": data.get("minutes", 0), "number": data.get("number") or _("unknown number")}
        if data.get("direction") == "outgoing":
            return _("Outgoing call to %(number)s (%(minutes)s min)") % values
        return _("Incoming call from %(number)s (%(minutes)s min)") % values
    if kind == EventKind.COLLABORATORS:
        return _("In copy from now on: %(people)s") % {
            "people": ", ".join(p.get("name") or p.get("email", "") for p in data.get("added", []))}
    return _label(EventKind, kind)


def actor_name(event) -> str:
    if event.actor_id is None:
        return _("System")
    return event.actor.get_full_name() or event.actor.get_username()


def draw_timeline(events, *, for_agents=False, reader=None):
    """A ticket's history as HTML (helpdesk.markup.timeline), in the reader's words. The events come
    with actor and attachments. `reader`: the customer reading their own ticket (their messages are
    "yours")."""
    from helpdesk import markup

    reader_id = getattr(reader, "pk", None)
    return markup.timeline(events, describe=lambda event: describe_event(event, reader_id=reader_id),
                           actor=actor_name, details=describe_details, channel_labels=dict(Channel.choices),
                           for_agents=for_agents)
