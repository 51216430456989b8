"""Every piece of HTML the product draws in Python, and every CSS class map those pieces use: the
theme's markup in one place. A re-theme starts here or, without touching Python, by overriding a
template (helpdesk.theme).

Why Python: these pieces are drawn for every row of a list or on every ticket page. A list of 100
rows through a template loop was some 2,500 template nodes, more than everything else on the page;
a select of 30 options is 32 template renders. Each piece has a template of the same name that
draws the same markup (Django's widget templates; ours under helpdesk/templates/helpdesk/fragments/
and helpdesk/forms/: rows, badges, a timeline entry, the SLA panel, a search hit, field groups and
forms; tests/test_theme.py and tests/test_form_renderer.py hold the two to the same output). Where a project
overrides that template, the piece is drawn from the project's template instead: slower, but what
the project asked for (`theme.drawn_in_python`).

The drawers know no models: the template tags of the apps hand them the objects and the words
(labels, descriptions) to show. Values are escaped with the standard library's `html.escape`, which
is what Django's `escape` calls.

    badges ......... badge, status_badge, priority_badge, Countdowns (SLA countdowns), clock_badge
    lists .......... queue_rows, portal_rows, article_hits
    ticket page .... timeline, sla_panel
    forms .......... input_widget, textarea_widget, select_widget, field_group, form_body, widget_class
"""

from datetime import datetime
from functools import cache, lru_cache
from html import escape

from django import forms
from django.urls import reverse
from django.utils import dateformat, timezone
from django.utils.formats import get_format
from django.utils.safestring import SafeString, mark_safe
from django.template.defaultfilters import filesizeformat
from django.template.loader import render_to_string
from django.utils.html import conditional_escape
from django.utils.text import Truncator
from django.utils.translation import gettext as _

from . import theme
from .durations import format_duration
from .icons import icon

# --- CSS class maps -------------------------------------------------------------------------------
STATUS_CLASSES = {"new": "text-bg-info", "open": "text-bg-primary", "waiting": "text-bg-warning",
                  "on_hold": "text-bg-secondary", "solved": "text-bg-success", "closed": "text-bg-dark"}
PRIORITY_CLASSES = {4: "text-bg-danger", 3: "text-bg-warning", 2: "text-bg-secondary", 1: "text-bg-light border"}
ARTICLE_STATE_CLASSES = {"published": "text-bg-success", "review": "text-bg-warning", "draft": "text-bg-secondary"}
AUDIENCE_CLASSES = {"public": "text-bg-info"}  # every other audience: internal
AUDIENCE_INTERNAL_CLASS = "text-bg-danger"
# An SLA countdown: overdue, in its last hour, or further off.
COUNTDOWN_CLASSES = {"overdue": "text-bg-danger", "soon": "text-bg-warning", "later": "text-bg-secondary"}
# An SLA target that no longer counts down, by its state (escalation.models.ClockState).
CLOCK_CLASSES = {"breached": "text-bg-danger", "paused": "text-bg-warning", "met_late": "text-bg-danger",
                 "met": "text-bg-success"}
LABEL_CLASS = "badge text-bg-light border"  # channel and language labels
FOLLOW_UP_DUE_CLASS = "text-bg-warning"
INTERNAL_CLASS = "text-bg-warning"
WIDGET_CLASSES = {"check": "form-check-input", "select": "form-select", "other": "form-control"}

# The templates that stand for the Python drawers (a project that overrides one gets its own).
QUEUE_ROW = "helpdesk/fragments/queue_row.html"
QUEUE_SELECTION_FORM = "queue-selection"  # the id of the queue's form for actions on the selected tickets
PORTAL_ROW = "helpdesk/fragments/portal_row.html"
STATUS_BADGE = "helpdesk/fragments/status_badge.html"
PRIORITY_BADGE = "helpdesk/fragments/priority_badge.html"
TIMELINE_ITEM = "helpdesk/fragments/timeline_item.html"
SLA_PANEL = "helpdesk/fragments/sla_panel.html"
ARTICLE_HIT = "helpdesk/fragments/article_hit.html"


def badge(css: str, text: str, **data) -> SafeString:
    """A Bootstrap badge; `data` become data-* attributes (testid="status" → data-testid="status")."""
    attrs = "".join(f' data-{name.replace("_", "-")}="{escape(str(value))}"' for name, value in data.items())
    return mark_safe(f'<span class="badge {css}"{attrs}>{escape(str(text))}</span>')


def status_badge(status: str, label: str) -> SafeString:
    if not theme.drawn_in_python(STATUS_BADGE):
        return mark_safe(render_to_string(STATUS_BADGE, {"status": status, "label": label,
                                                         "css": STATUS_CLASSES.get(status, "text-bg-dark")}).strip())
    return badge(f'rounded-pill {STATUS_CLASSES.get(status, "text-bg-dark")}', label, testid="status")


def priority_badge(priority: int, label: str) -> SafeString:
    if not theme.drawn_in_python(PRIORITY_BADGE):
        return mark_safe(render_to_string(PRIORITY_BADGE, {"priority": priority, "label": label,
                                                           "css": PRIORITY_CLASSES.get(priority, "text-bg-secondary")}).strip())
    return badge(PRIORITY_CLASSES.get(priority, "text-bg-secondary"), label)


def countdown(seconds: float) -> str:
    """Time left as the SLA countdown script shows it (helpdesk/static/escalation/sla.js), so that the
    page reads the same before and after the script takes over."""
    return format_duration(seconds)


class Countdowns:
    """Countdown badges for one page: one moment for all of them, the words translated once."""

    def __init__(self, now: datetime | None = None):
        self.now = now or timezone.now()
        self.overdue = escape(_("overdue"))
        self.due = escape(_("Due"))

    def badge(self, due_at: datetime | None) -> SafeString:
        """Red once `due_at` has passed, amber in its last hour; sla.js keeps it running in the browser."""
        if not due_at:
            return mark_safe("")
        left = (due_at - self.now).total_seconds()
        text = countdown(left) if left >= 0 else f"{self.overdue} {countdown(left)}"
        state = COUNTDOWN_CLASSES["overdue" if left < 0 else "soon" if left < 3600 else "later"]
        return mark_safe(
            f'<span class="badge sla-countdown {state}" data-due="{due_at.isoformat()}" data-overdue="{self.overdue}" '
            f'title="{self.due} {escape(short_datetime(due_at))}"><span class="sla-left">{text}</span></span>'
        )


_STRFTIME = {"d": "%d", "m": "%m", "Y": "%Y", "y": "%y", "H": "%H", "i": "%M", "s": "%S"}


@lru_cache
def _as_strftime(django_format: str) -> str | None:
    """The same format for `datetime.strftime`, which is some ten times faster than Django's
    formatter; None when it uses anything else (names of months, a.m./p.m., escapes)."""
    out = []
    for char in django_format:
        if char in _STRFTIME:
            out.append(_STRFTIME[char])
        elif char.isalpha() or char == "\\":
            return None
        else:
            out.append("%%" if char == "%" else char)
    return "".join(out)


def url_pattern(name: str, sample) -> str:
    """The path of URL `name` as a format string with `{}` for its one argument: one reverse() per
    list instead of one per row. `sample` must be a value of the argument's kind that appears
    nowhere else in the path."""
    return reverse(name, args=[sample]).replace(str(sample), "{}")


def short_datetime(value: datetime) -> str:
    """A moment in the current time zone and language, as `{{ value|date:"SHORT_DATETIME_FORMAT" }}`."""
    local, django_format = timezone.localtime(value), get_format("SHORT_DATETIME_FORMAT")
    pattern = _as_strftime(django_format)
    return local.strftime(pattern) if pattern is not None else dateformat.format(local, django_format)


# --- lists ----------------------------------------------------------------------------------------


def _follow_up(moment, now, due_word: str) -> str:
    if moment is None:
        return ""
    if moment <= now:
        return f' <span class="badge {FOLLOW_UP_DUE_CLASS}" data-testid="follow-up-due">{due_word}</span>'
    return f' <span class="small text-body-secondary" data-testid="follow-up">{icon("alarm")} {escape(short_datetime(moment))}</span>'


def queue_rows(tickets, *, status_label, priority_label, channel_labels: dict, selectable=False) -> SafeString:
    """The rows of the agent queue. `tickets` come from tickets.selectors.queue_rows (tier, category
    and people's names attached); the labels are the reader's words for statuses, priorities and
    channels. Each badge is drawn once per page and value. `selectable` rows start with a checkbox
    of the page's selection form (QUEUE_SELECTION_FORM)."""
    url, countdowns = url_pattern("agent:ticket", "HD-0000-000000"), Countdowns()
    status = cache(lambda value: status_badge(value, status_label(value)))
    priority = cache(lambda value: priority_badge(value, priority_label(value)))
    unassigned = escape(_("unassigned"))  # translated outside the f-string: xgettext skips those
    unassigned = f'<span class="text-body-secondary">{unassigned}</span>'
    channels = {value: escape(str(label)) for value, label in channel_labels.items()}
    now, follow_up_due = timezone.now(), escape(_("Due for follow-up"))
    in_python = theme.drawn_in_python(QUEUE_ROW)
    select_label = _("Select %(reference)s")
    rows = []
    for t in tickets:
        reference = escape(t.reference)
        checkbox = mark_safe(
            f'<td><input class="form-check-input" type="checkbox" name="tickets" value="{reference}" '
            f'form="{QUEUE_SELECTION_FORM}" aria-label="{escape(select_label % {"reference": t.reference})}"></td>'
        ) if selectable else ""
        countdown_html = countdowns.badge(t.next_breach_at) if t.is_open else ""
        follow_up = _follow_up(t.follow_up_at, now, follow_up_due)
        if not in_python:
            rows.append(render_to_string(QUEUE_ROW, {
                "ticket": t, "url": url.format(reference), "status_badge": status(t.status),
                "priority_badge": priority(t.priority), "countdown": countdown_html, "follow_up": mark_safe(follow_up),
                "channel": channel_labels[t.channel] if t.channel != "web" else "", "checkbox": checkbox,
            }).strip() + "\n")
            continue
        category = escape(t.category.name) if t.category_id else ""
        if t.channel != "web":
            category = f'<span class="{LABEL_CLASS} me-1" data-testid="channel">{channels[t.channel]}</span>{category}'
        category = f'<div class="small text-body-secondary">{category}</div>' if category else ""
        rows.append(
            f'<tr>{checkbox}<td class="text-nowrap"><a href="{url.format(reference)}">{reference}</a></td>'
            f'<td class="ticket-subject">{escape(t.subject)}{category}</td>'
            f'<td>{status(t.status)}</td><td>{priority(t.priority)}</td>'
            f'<td class="text-nowrap">{countdown_html}{follow_up}</td>'
            f'<td class="hide-sm text-nowrap">{escape(t.tier.name)}</td>'
            f'<td class="hide-sm">{escape(t.assignee_name or "") if t.assignee_id else unassigned}</td>'
            f'<td class="hide-sm">{escape(t.requester_name)}</td>'
            f'<td class="hide-sm text-nowrap">{escape(short_datetime(t.updated_at))}</td></tr>\n'
        )
    return mark_safe("".join(rows))


def portal_rows(tickets, *, status_label) -> SafeString:
    """The rows of a customer's own ticket list (category joined by the selector)."""
    url = url_pattern("portal:ticket", "HD-0000-000000")
    status = cache(lambda value: status_badge(value, status_label(value)))
    in_python = theme.drawn_in_python(PORTAL_ROW)
    rows = []
    for t in tickets:
        reference = escape(t.reference)
        if not in_python:
            rows.append(render_to_string(PORTAL_ROW, {
                "ticket": t, "url": url.format(reference), "status_badge": status(t.status)}).strip() + "\n")
            continue
        rows.append(
            f'<tr><td class="text-nowrap"><a href="{url.format(reference)}">{reference}</a></td>'
            f'<td class="ticket-subject">{escape(t.subject)}</td><td>{status(t.status)}</td>'
            f'<td class="hide-sm">{escape(str(t.category)) if t.category else "–"}</td>'
            f'<td class="hide-sm text-nowrap">{escape(short_datetime(t.updated_at))}</td></tr>\n'
        )
    return mark_safe("".join(rows))


def article_state_badge(state: str, label: str) -> SafeString:
    return badge(ARTICLE_STATE_CLASSES.get(state, "text-bg-dark"), label, testid="article-state")


def language_badge(language: str, label: str) -> SafeString:
    label = escape(str(label))
    return mark_safe(f'<span class="{LABEL_CLASS}" data-testid="article-language" title="{label}">'
                     f'<span aria-hidden="true">{escape(language.upper())}</span><span class="visually-hidden">{label}</span></span>')


def audience_badge(audience: str, label: str) -> SafeString:
    return badge(AUDIENCE_CLASSES.get(audience, AUDIENCE_INTERNAL_CLASS), label, testid="article-audience")


def article_hits(hits, *, is_agent: bool, state_label, language_label, highlight) -> SafeString:
    """The article results of a search: title, language, state for agents, category, and the
    matching passage (`highlight` makes ts_headline's snippet safe) or the summary."""
    url = url_pattern("kb:article", 987654321)
    no_category = escape(_("No category"))
    language = cache(lambda value: language_badge(value, language_label(value)))  # once per page and value
    state_badge = cache(lambda value: article_state_badge(value, state_label(value)))
    in_python = theme.drawn_in_python(ARTICLE_HIT)
    items = []
    for hit in hits:
        article = hit.article
        state = state_badge(article.state) if is_agent and article.state != "published" else ""
        if not in_python:
            items.append(render_to_string(ARTICLE_HIT, {
                "article": article, "url": url.format(article.pk), "language_badge": language(article.language),
                "state_badge": state, "snippet": highlight(hit.snippet) if hit.snippet else ""}).strip() + "\n")
            continue
        category = escape(article.category.name) if article.category_id else no_category
        if hit.snippet:
            text = f'<p class="mb-0 small kb-snippet">… {highlight(hit.snippet)} …</p>'
        elif article.summary:
            text = f'<p class="mb-0 small">{escape(Truncator(article.summary).words(30, truncate=" …"))}</p>'
        else:
            text = ""
        items.append(
            f'<li class="list-group-item"><div class="d-flex flex-wrap align-items-center gap-2">'
            f'<a class="fw-semibold me-auto" href="{url.format(article.pk)}">{escape(article.title)}</a>'
            f'{language(article.language)}{state}</div>'
            f'<div class="small text-body-secondary">{category}</div>{text}</li>\n'
        )
    return mark_safe("".join(items))


# --- the ticket page --------------------------------------------------------------------------------

# Entries that are messages: each says how it came in. Images a browser shows safely (no SVG: it can
# carry scripts).
MESSAGE_KINDS = {"created", "reply", "note"}
PREVIEW_TYPES = {"image/png", "image/jpeg", "image/gif", "image/webp"}


def timeline(events, *, describe, actor, details, channel_labels: dict, for_agents=False) -> SafeString:
    """A ticket's history, oldest first: who did what when and by which channel, the message, its
    attachments (images shown small). The events come with actor and attachments; `describe`,
    `actor` and `details` give an event's words (tickets.presenters). Agents also get the link to
    a mail as it arrived."""
    paperclip = icon("paperclip")
    internal = escape(_("internal"))  # translated outside the f-string: xgettext skips those
    internal = f'<span class="badge {INTERNAL_CLASS}">{internal}</span>'
    original = escape(_("Original mail"))
    attachment_url = url_pattern("attachment", 987654321)
    original_url = url_pattern("mailchannel:inbound_original", 987654321) if for_agents else ""
    in_python = theme.drawn_in_python(TIMELINE_ITEM)
    items = []
    for event in events:
        if not event.is_public:
            css = " is-internal"
        elif event.kind in ("reply", "created"):
            css = " is-message"
        else:
            css = ""
        files, images = [], []
        for a in event.attachments.all():
            url = attachment_url.format(a.pk)
            if a.content_type in PREVIEW_TYPES:
                images.append((url, a.name))
            files.append((url, a.name, a.size))
        # Every message says how it came in; other entries only when it was not the browser.
        shows_channel = event.kind in MESSAGE_KINDS or event.channel not in ("web", "system")
        channel = str(channel_labels.get(event.channel, "")) if shows_channel else None
        inbound = (event.data or {}).get("mail", {}).get("inbound") if original_url else None
        link = original_url.format(int(inbound)) if inbound else ""
        more = details(event)
        if not in_python:
            items.append(render_to_string(TIMELINE_ITEM, {
                "event": event, "css": css, "actor": actor(event), "description": describe(event), "channel": channel,
                "original_url": link, "time_iso": timezone.localtime(event.created_at).isoformat(), "details": more,
                "images": [{"url": url, "name": name} for url, name in images], "paperclip": paperclip,
                "files": [{"url": url, "name": name, "size": size} for url, name, size in files],
            }).strip() + "\n")
            continue
        body = f'<div class="timeline-body mt-1">{escape(event.body)}</div>' if event.body else ""
        more = f'<div class="small mt-1" data-testid="event-details">{escape(more)}</div>' if more else ""
        images = "".join(f'<a href="{url}"><img src="{url}" alt="{escape(name)}" class="timeline-image" loading="lazy"></a>'
                         for url, name in images)
        images = f'<div class="timeline-images mt-1">{images}</div>' if images else ""
        files = "".join(f'<li class="list-inline-item"><a href="{url}">{paperclip} {escape(name)}</a> '
                        f'<span class="text-body-secondary">({escape(filesizeformat(size))})</span></li>'
                        for url, name, size in files)
        files = f'<ul class="list-inline small mt-1 mb-0">{files}</ul>' if files else ""
        channel = f'<span class="{LABEL_CLASS}" data-testid="channel">{escape(channel)}</span>' if channel is not None else ""
        link = f'<a href="{link}" class="small">{original}</a>' if link else ""
        items.append(
            f'<li class="timeline-item{css}" data-kind="{escape(event.kind)}" id="event-{event.pk}">'
            f'<div class="d-flex flex-wrap gap-2 align-items-baseline small text-body-secondary">'
            f'<strong class="text-body">{escape(actor(event))}</strong><span>{escape(describe(event))}</span>'
            f'{"" if event.is_public else internal}{channel}{link}'
            f'<time datetime="{timezone.localtime(event.created_at).isoformat()}" class="ms-auto">'
            f'{escape(short_datetime(event.created_at))}</time></div>{body}{more}{images}{files}</li>\n'
        )
    if not items:
        nothing = escape(_("Nothing has happened yet."))
        items.append(f'<li class="text-body-secondary">{nothing}</li>')
    return mark_safe(f'<ol class="timeline" data-testid="timeline">\n{"".join(items)}</ol>')


def sla_panel(clocks) -> SafeString:
    """Every SLA target of a ticket (escalation.selectors.clocks_for_ticket): state, due moment, time
    left, and the rule that escalated it."""
    countdowns = Countdowns()
    if not theme.drawn_in_python(SLA_PANEL):
        return mark_safe(render_to_string(SLA_PANEL, {"clocks": [
            {"clock": clock, "badge": clock_badge(clock, countdowns), "facts": _clock_facts(clock),
             "escalation": _escalation_words(clock)} for clock in clocks]}).strip())
    title = escape(_("Service level"))
    if not clocks:
        none = escape(_("No SLA applies to this ticket."))
        body = f'<p class="small text-body-secondary mb-0">{none}</p>'
    else:
        body = '<ul class="list-unstyled mb-0 small">' + "".join(_clock_item(clock, countdowns) for clock in clocks) + "</ul>"
    return mark_safe(f'<div class="card mb-3" data-testid="sla-panel"><div class="card-body">'
                     f'<h2 class="h6">{title}</h2>{body}</div></div>')


def clock_badge(clock, countdowns: Countdowns) -> str:
    """A target's state: its running countdown, or what became of it."""
    state = clock.state
    if state == "running":
        return countdowns.badge(clock.due_at)
    # (The texts are translated outside f-strings: xgettext does not look inside them.)
    if state == "breached":
        key, text = "breached", _("breached")
    elif state == "paused":
        key, text = "paused", _("paused")
    elif clock.breached_at:
        key, text = "met_late", _("met late")
    else:
        key, text = "met", _("met")
    return badge(CLOCK_CLASSES[key], text)


def _clock_facts(clock) -> list[str]:
    state = clock.state
    facts = []
    if state in ("running", "breached") and clock.due_at:
        facts.append("%s %s" % (_("due"), short_datetime(clock.due_at)))
    if state == "paused":
        facts.append(_("%(used)s of %(target)s used") % {
            "used": countdown(clock.consumed.total_seconds()), "target": countdown(clock.target.total_seconds())})
    if state == "met" and clock.stopped_at:
        facts.append("%s %s" % (_("met"), short_datetime(clock.stopped_at)))
    facts.append(_("business hours") if clock.business_hours else _("calendar time"))
    return facts


def _escalation_words(clock) -> str:
    if not clock.last_escalation:
        return ""
    return _("Rule “%(rule)s” fired") % {"rule": clock.last_escalation.data.get("rule_name") or "–"}


def _clock_item(clock, countdowns) -> str:
    facts = " · ".join(escape(fact) for fact in _clock_facts(clock))
    escalation = ""
    if clock.last_escalation:
        escalation = (f'<div class="text-danger" data-testid="escalation-rule">{escape(_escalation_words(clock))} '
                      f'({escape(short_datetime(clock.last_escalation.created_at))})</div>')
    return (f'<li class="mb-2" data-metric="{escape(clock.metric)}" data-state="{escape(clock.state)}">'
            f'<div class="d-flex justify-content-between align-items-center gap-2">'
            f'<strong>{escape(clock.get_metric_display())}</strong>{clock_badge(clock, countdowns)}</div>'
            f'<div class="text-body-secondary">{facts}</div>{escalation}</li>')


# --- forms ------------------------------------------------------------------------------------------
# Byte for byte what Django's widget templates draw (tests/test_form_renderer.py compares them);
# helpdesk.forms.FormRenderer calls these in their place unless a project overrides the template.

FORM = "helpdesk/forms/form.html"  # drawn by form_body and field_group unless a project overrides them
FIELD = "helpdesk/forms/field.html"
WIDGET_DIR = "django/forms/widgets/"
OPTION_TEMPLATE = WIDGET_DIR + "select_option.html"
ATTRS_TEMPLATE = WIDGET_DIR + "attrs.html"
INPUT_TEMPLATE = WIDGET_DIR + "input.html"


def _attrs(attrs) -> str:
    # django/forms/widgets/attrs.html: False drops the attribute, True writes it bare.
    return "".join(
        f" {conditional_escape(name)}" if value is True else f' {conditional_escape(name)}="{conditional_escape(value)}"'
        for name, value in attrs.items() if value is not False
    )


def input_widget(widget) -> str:
    value = widget["value"]
    value = "" if value is None else f' value="{conditional_escape(value)}"'
    return f'<input type="{conditional_escape(widget["type"])}" name="{conditional_escape(widget["name"])}"{value}{_attrs(widget["attrs"])}>'


def textarea_widget(widget) -> str:
    value = conditional_escape(widget["value"]) if widget["value"] else ""
    return f'<textarea name="{conditional_escape(widget["name"])}"{_attrs(widget["attrs"])}>\n{value}</textarea>'


def select_widget(widget) -> str | None:
    # The renderer strips what a template renders, not what it includes: select_option.html's final
    # newline stays after each option.
    parts = [f'<select name="{conditional_escape(widget["name"])}"{_attrs(widget["attrs"])}>']
    for group_name, options, _index in widget["optgroups"]:
        if group_name:
            parts.append(f'\n  <optgroup label="{conditional_escape(group_name)}">')
        for option in options:
            if option["template_name"] != OPTION_TEMPLATE:
                return None
            parts.append(f'\n  <option value="{conditional_escape(option["value"])}"{_attrs(option["attrs"])}>'
                         f'{conditional_escape(option["label"])}</option>\n')
        if group_name:
            parts.append("\n  </optgroup>")
    parts.append("\n</select>")
    return "".join(parts)


def field_group(field) -> str:
    """A field with its label, help text and errors, in Bootstrap's markup. The widget carries the
    aria-describedby that Django adds for the help text and the errors."""
    auto_id = conditional_escape(field.auto_id)
    label = conditional_escape(field.label)
    if field.widget_type == "checkbox":
        head = f'<div class="form-check mb-3">{field}<label class="form-check-label" for="{auto_id}">{label}</label>\n'
    else:
        required = ' <span class="text-danger" aria-hidden="true">*</span>' if field.field.required else ""
        head = (f'<div class="mb-3"><label class="form-label" for="{auto_id}">{label}{required}</label>' if field.label
                else '<div class="mb-3">') + f"\n{field}"
    help_text = f'<div class="form-text" id="{auto_id}_helptext">{field.help_text}</div>' if field.help_text else ""
    errors = "".join(f'<div class="invalid-feedback d-block" id="{auto_id}_error">{conditional_escape(error)}</div>'
                     for error in field.errors)
    return f"{head}\n{help_text}\n{errors}\n</div>"


def form_body(form) -> str:
    parts = []
    if form.non_field_errors():
        errors = "".join(f"<div>{conditional_escape(error)}</div>" for error in form.non_field_errors())
        parts.append(f'<div class="alert alert-danger" role="alert">{errors}</div>')
    parts.append("\n")
    for field in form.hidden_fields():
        parts.append(str(field))
        parts.extend(f'<div class="alert alert-danger">{conditional_escape(error)}</div>' for error in field.errors)
    parts.append("\n")
    in_python = theme.drawn_in_python(FIELD)
    parts.extend(field_group(field) if in_python else str(field.as_field_group()) for field in form.visible_fields())
    return "".join(parts)


def widget_class(widget) -> str:
    """The Bootstrap class of a form widget."""
    if isinstance(widget, (forms.CheckboxInput, forms.CheckboxSelectMultiple, forms.RadioSelect)):
        return WIDGET_CLASSES["check"]
    if isinstance(widget, forms.Select):
        return WIDGET_CLASSES["select"]
    return WIDGET_CLASSES["other"]
