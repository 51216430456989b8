from functools import cache
from html import escape

from django import template
from django.template.defaultfilters import filesizeformat
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from helpdesk.html import Countdowns, short_datetime, url_pattern
from helpdesk.icons import icon

from ..models import Channel, Priority, Status
from ..presenters import actor_name, describe_details, describe_event

register = template.Library()


# Badges are drawn for every row of a list: plain format_html, no template rendering per row.
STATUS_CLASSES = {"new": "text-bg-info", "open": "text-bg-primary", "waiting": "text-bg-warning",
                  "on_hold": "text-bg-secondary", "solved": "text-bg-success", "closed": "text-bg-dark"}
PRIORITY_CLASSES = {4: "text-bg-danger", 3: "text-bg-warning", 2: "text-bg-secondary", 1: "text-bg-light border"}


@register.simple_tag
def status_badge(status):
    return format_html('<span class="badge rounded-pill {}" data-testid="status">{}</span>',
                       STATUS_CLASSES.get(status, "text-bg-dark"), Status(status).label)


@register.simple_tag
def priority_badge(priority):
    return format_html('<span class="badge {}">{}</span>', PRIORITY_CLASSES.get(priority, "text-bg-secondary"),
                       Priority(priority).label)


@register.simple_tag
def queue_rows(tickets):
    """The rows of the agent queue (`tickets`: tickets.selectors.queue_rows). Plain Python for
    speed (see helpdesk/html.py); each badge is drawn once per page and value."""
    url, countdowns = url_pattern("agent:ticket", "HD-0000-000000"), Countdowns()
    status, priority = cache(status_badge), cache(priority_badge)
    unassigned = escape(_("unassigned"))  # translated outside the f-string: xgettext skips those
    unassigned = f'<span class="text-body-secondary">{unassigned}</span>'
    channels = {value: escape(str(label)) for value, label in Channel.choices}
    now, follow_up_due = timezone.now(), escape(_("Due for follow-up"))

    def follow_up(moment):
        if moment is None:
            return ""
        if moment <= now:
            return f' <span class="badge text-bg-warning" data-testid="follow-up-due">{follow_up_due}</span>'
        return f' <span class="small text-body-secondary" data-testid="follow-up">{icon("alarm")} {escape(short_datetime(moment))}</span>'

    rows = []
    for t in tickets:
        reference = escape(t.reference)
        category = escape(t.category.name) if t.category_id else ""
        if t.channel != "web":
            category = f'<span class="badge text-bg-light border me-1" data-testid="channel">{channels[t.channel]}</span>{category}'
        category = f'<div class="small text-body-secondary">{category}</div>' if category else ""
        rows.append(
            f'<tr><td class="text-nowrap"><a href="{url.format(reference)}">{reference}</a></td>'
            f'<td class="ticket-subject">{escape(t.subject)}{category}</td>'
            f'<td>{status(t.status)}</td><td>{priority(t.priority)}</td>'
            f'<td class="text-nowrap">{countdowns.badge(t.next_breach_at) if t.is_open else ""}{follow_up(t.follow_up_at)}</td>'
            f'<td class="hide-sm text-nowrap">{escape(t.tier.name)}</td>'
            f'<td class="hide-sm">{escape(t.assignee_name or "") if t.assignee_id else unassigned}</td>'
            f'<td class="hide-sm">{escape(t.requester_name)}</td>'
            f'<td class="hide-sm text-nowrap">{escape(short_datetime(t.updated_at))}</td></tr>\n'
        )
    return mark_safe("".join(rows))


@register.simple_tag
def portal_rows(tickets):
    """The rows of a customer's own ticket list (category joined by the selector)."""
    url, status = url_pattern("portal:ticket", "HD-0000-000000"), cache(status_badge)
    rows = []
    for t in tickets:
        reference = escape(t.reference)
        rows.append(
            f'<tr><td class="text-nowrap"><a href="{url.format(reference)}">{reference}</a></td>'
            f'<td class="ticket-subject">{escape(t.subject)}</td><td>{status(t.status)}</td>'
            f'<td class="hide-sm">{escape(str(t.category)) if t.category else "–"}</td>'
            f'<td class="hide-sm text-nowrap">{escape(short_datetime(t.updated_at))}</td></tr>\n'
        )
    return mark_safe("".join(rows))


@register.simple_tag
def timeline(events, for_agents=False, reader=None):
    """A ticket's history, oldest first: who did what when and by which channel, the message, its
    attachments (images shown small). Drawn in Python like the list rows (helpdesk/html.py); the
    events come with actor and attachments. Agents also get the link to a mail as it arrived.
    `reader`: the customer reading their own ticket (their messages are "yours")."""
    reader_id = getattr(reader, "pk", None)
    paperclip = icon("paperclip")
    internal = escape(_("internal"))  # translated outside the f-string: xgettext skips those
    internal = f'<span class="badge text-bg-warning">{internal}</span>'
    original = escape(_("Original mail"))
    attachment_url = url_pattern("attachment", 987654321)
    original_url = url_pattern("mailchannel:inbound_original", 987654321) if for_agents else ""
    channels = {value: escape(str(label)) for value, label in Channel.choices}
    items = []
    for event in events:
        if not event.is_public:
            css = " is-internal"
        elif event.kind in ("reply", "created"):
            css = " is-message"
        else:
            css = ""
        body = f'<div class="timeline-body mt-1">{escape(event.body)}</div>' if event.body else ""
        details = describe_details(event)
        details = f'<div class="small mt-1" data-testid="event-details">{escape(details)}</div>' if details else ""
        files, images = [], []
        for a in event.attachments.all():
            url = attachment_url.format(a.pk)
            if a.content_type in PREVIEW_TYPES:
                images.append(f'<a href="{url}"><img src="{url}" alt="{escape(a.name)}" class="timeline-image" loading="lazy"></a>')
            files.append(f'<li class="list-inline-item"><a href="{url}">{paperclip} {escape(a.name)}</a> '
                         f'<span class="text-body-secondary">({escape(filesizeformat(a.size))})</span></li>')
        files = f'<ul class="list-inline small mt-1 mb-0">{"".join(files)}</ul>' if files else ""
        images = f'<div class="timeline-images mt-1">{"".join(images)}</div>' if images else ""
        channel = ""
        # Every message says how it came in; other entries only when it was not the browser.
        if event.kind in MESSAGE_KINDS or event.channel not in ("web", "system"):
            channel = f'<span class="badge text-bg-light border" data-testid="channel">{channels.get(event.channel, "")}</span>'
        inbound = (event.data or {}).get("mail", {}).get("inbound") if original_url else None
        link = f'<a href="{original_url.format(int(inbound))}" class="small">{original}</a>' if inbound else ""
        items.append(
            f'<li class="timeline-item{css}" data-kind="{escape(event.kind)}" id="event-{event.pk}">'
            f'<div class="d-flex flex-wrap gap-2 align-items-baseline small text-body-secondary">'
            f'<strong class="text-body">{escape(actor_name(event))}</strong><span>{escape(describe_event(event, reader_id=reader_id))}</span>'
            f'{"" if event.is_public else internal}{channel}{link}'
            f'<time datetime="{timezone.localtime(event.created_at).isoformat()}" class="ms-auto">'
            f'{escape(short_datetime(event.created_at))}</time></div>{body}{details}{images}{files}</li>\n'
        )
    if not items:
        nothing = escape(_("Nothing has happened yet."))
        items.append(f'<li class="text-body-secondary">{nothing}</li>')
    return mark_safe(f'<ol class="timeline" data-testid="timeline">\n{"".join(items)}</ol>')


MESSAGE_KINDS = {"created", "reply", "note"}
# Images a browser shows safely (no SVG: it can carry scripts).
PREVIEW_TYPES = {"image/png", "image/jpeg", "image/gif", "image/webp"}
