"""The theme seam (helpdesk.markup, helpdesk.theme): the rows and badges drawn in Python have
templates that draw the same markup, a project that overrides one of them (or a form widget) sees
its own markup on the page, and no Python module outside helpdesk/markup.py holds markup or CSS
classes."""

import base64
import re
from datetime import timedelta
from pathlib import Path

import pytest
from django.template.loader import render_to_string
from django.utils import timezone

from escalation.reminders import reminder_set
from helpdesk import markup, theme
from tests.factories import CategoryFactory, make_ticket
from tickets import selectors, services
from tickets.models import Channel, Priority, Status

pytestmark = pytest.mark.django_db
ROOT = Path(__file__).resolve().parent.parent


def _squeezed(html) -> str:
    return re.sub(r">\s+<", "><", re.sub(r"\s+", " ", str(html))).strip()


@pytest.fixture
def varied_tickets(customer, agent1, tiers):
    """Tickets that take every branch of a row: category or none, a channel label, assigned or not,
    a follow-up pending or due, closed (no countdown)."""
    plain = make_ticket(customer, subject="Kein <Drucker> & kein Toner")
    by_phone = make_ticket(customer, subject="Anruf", category=CategoryFactory(name="Billing"),
                           channel=Channel.PHONE, actor=agent1)
    services.ticket_assign(ticket=by_phone, actor=agent1, assignee=agent1)
    waiting = make_ticket(customer, subject="Rückruf")
    reminder_set(ticket=waiting, actor=agent1, due_at=timezone.now() + timedelta(hours=2), note="Rückruf")
    closed = make_ticket(customer, subject="Erledigt")
    services.ticket_change_status(ticket=closed, actor=agent1, status=Status.SOLVED, reason="fixed")
    return [plain, by_phone, waiting, closed]


def _labels():
    return {"status_label": lambda s: Status(s).label, "priority_label": lambda p: Priority(p).label,
            "channel_labels": dict(Channel.choices)}


def test_the_queue_row_template_draws_what_python_draws(varied_tickets, settings, tmp_path):
    rows = selectors.queue_rows(type(varied_tickets[0]).objects.filter(pk__in=[t.pk for t in varied_tickets]))
    drawn = markup.queue_rows(rows, **_labels())
    # The product's own template, taken as if a project had copied it unchanged.
    copy = tmp_path / markup.QUEUE_ROW
    copy.parent.mkdir(parents=True)
    copy.write_text((ROOT / "helpdesk" / "templates" / markup.QUEUE_ROW).read_text())
    settings.TEMPLATES = [{**settings.TEMPLATES[0], "DIRS": [tmp_path, *settings.TEMPLATES[0]["DIRS"]]}]
    theme.drawn_in_python.cache_clear()
    assert not theme.drawn_in_python(markup.QUEUE_ROW)
    templated = markup.queue_rows(rows, **_labels())
    assert _squeezed(templated) == _squeezed(drawn)
    assert "&lt;Drucker&gt; &amp; kein" in drawn and 'data-testid="channel"' in drawn and 'data-testid="follow-up"' in drawn


def test_the_portal_row_and_badge_templates_draw_what_python_draws(varied_tickets):
    tickets = list(type(varied_tickets[0]).objects.filter(pk__in=[t.pk for t in varied_tickets]).select_related("category"))
    url = markup.url_pattern("portal:ticket", "HD-0000-000000")
    for ticket in tickets:
        status = markup.status_badge(ticket.status, Status(ticket.status).label)
        assert _squeezed(render_to_string(markup.STATUS_BADGE, {
            "label": Status(ticket.status).label, "css": markup.STATUS_CLASSES[ticket.status]})) == status
        priority = markup.priority_badge(ticket.priority, Priority(ticket.priority).label)
        assert _squeezed(render_to_string(markup.PRIORITY_BADGE, {
            "label": Priority(ticket.priority).label, "css": markup.PRIORITY_CLASSES[ticket.priority]})) == priority
        row = render_to_string(markup.PORTAL_ROW, {"ticket": ticket, "url": url.format(ticket.reference),
                                                   "status_badge": status})
        assert _squeezed(row) == _squeezed(markup.portal_rows([ticket], status_label=lambda s: Status(s).label))


@pytest.fixture
def copied_as_is(tmp_path, settings):
    """`copied_as_is(name)`: a project that copied our template `name` unchanged, so that the piece
    is drawn from the template; what it draws must be what the Python drawer draws."""
    ours = settings.TEMPLATES

    def copy(name):
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text((ROOT / "helpdesk" / "templates" / name).read_text())
        # A project's templates directory first, and a fresh start as after a restart.
        settings.TEMPLATES = [{**ours[0], "DIRS": [tmp_path, *ours[0]["DIRS"]]}]
        assert not theme.drawn_in_python(name)

    yield copy
    theme.drawn_in_python.cache_clear()


def test_the_timeline_item_template_draws_what_python_draws(copied_as_is, customer, agent1, tiers):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from tickets.presenters import draw_timeline

    ticket = make_ticket(customer, subject="Drucker", attachments=[
        # A real PNG: the stored type is read from the bytes (tickets.filetypes).
        SimpleUploadedFile("foto.png", base64.b64decode(
            "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAAC0lEQVR4nGNgAAIAAAUAAXpeqz8AAAAASUVORK5CYII="),
            content_type="image/png"),
        SimpleUploadedFile("log <1>.txt", b"line", content_type="text/plain")])
    services.ticket_add_note(ticket=ticket, author=agent1, body="Intern: <b>nicht</b> weitersagen")
    services.ticket_reply(ticket=ticket, author=agent1, body="Wir kümmern uns.", channel=Channel.API)
    services.ticket_escalate(ticket=ticket, actor=agent1, reason="Netzwerk")
    events = lambda: list(selectors.ticket_timeline(ticket=ticket, user=agent1))  # noqa: E731
    drawn = draw_timeline(events(), for_agents=True)
    assert 'class="timeline-image"' in drawn and "log &lt;1&gt;.txt" in drawn and "is-internal" in drawn
    copied_as_is(markup.TIMELINE_ITEM)
    assert _squeezed(draw_timeline(events(), for_agents=True)) == _squeezed(drawn)


def test_the_sla_panel_template_draws_what_python_draws(copied_as_is, customer, agent1, tiers):
    from datetime import time

    from escalation.models import BusinessInterval, Schedule, SlaPolicy, SlaTarget
    from escalation.selectors import clocks_for_ticket

    schedule = Schedule.objects.create(name="24/7", time_zone="Europe/Berlin")
    for day in range(7):
        BusinessInterval.objects.create(schedule=schedule, weekday=day, start=time(0), end=time(0))
    policy = SlaPolicy.objects.create(name="Standard", is_default=True, schedule=schedule)
    for metric, hours in (("first_response", 1), ("resolution", 8), ("tier_time", 4)):
        SlaTarget.objects.create(policy=policy, metric=metric, priority=Priority.NORMAL,
                                 duration=timedelta(hours=hours), business_hours=False, warn_at_percent=75)
    ticket = make_ticket(customer)
    services.ticket_reply(ticket=ticket, author=agent1, body="Erste Antwort")  # one target met
    clocks = clocks_for_ticket(ticket)
    drawn = markup.sla_panel(clocks)
    assert 'data-state="met"' in drawn and 'data-state="running"' in drawn
    copied_as_is(markup.SLA_PANEL)
    assert _squeezed(markup.sla_panel(clocks)) == _squeezed(drawn)
    assert _squeezed(markup.sla_panel([])) == _squeezed(render_to_string(markup.SLA_PANEL, {"clocks": []}))


def test_the_article_hit_template_draws_what_python_draws(copied_as_is, agent3, tiers):
    from knowledgebase import services as kb_services
    from knowledgebase.selectors import ArticleHit
    from knowledgebase.templatetags.kb_tags import article_hits

    article = kb_services.article_create(author=agent3, title="VPN <trennt> sich", language="de",
                                         problem="Die Verbindung bricht ab.", resolution="Client aktualisieren.",
                                         summary="Ein alter Client " + "verliert die Verbindung " * 10)
    hits = [ArticleHit(article, 1.0, "", False), ArticleHit(article, 0.5, "die <mark>VPN</mark> & mehr", False)]
    drawn = article_hits(hits, is_agent=True)
    assert "<mark>VPN</mark> &amp; mehr" in drawn and 'data-testid="article-state"' in drawn
    copied_as_is(markup.ARTICLE_HIT)
    assert _squeezed(article_hits(hits, is_agent=True)) == _squeezed(drawn)


def test_a_project_overrides_the_select_widget_and_the_queue_row_and_sees_its_markup(
        project_templates, login, agent1, customer, tiers):
    make_ticket(customer, subject="Drucker streikt")
    project_templates("django/forms/widgets/select.html",
                      '<select class="project-select" name="{{ widget.name }}"></select>')
    project_templates(markup.QUEUE_ROW, '<tr class="project-row"><td>{{ ticket.reference }} – {{ ticket.subject }}'
                                        ' ({{ ticket.tier.name }})</td><td>{{ status_badge }}</td></tr>')
    html = login(agent1).get("/agent/?status=all").content.decode()
    assert '<tr class="project-row"><td>HD-' in html and "– Drucker streikt (1st Level)" in html
    assert 'data-testid="status"' in html  # the pieces handed to the template are still drawn
    assert '<select class="project-select" name="status"></select>' in html
    assert 'class="ticket-subject"' not in html  # the product's own row is gone


def test_a_project_overrides_a_badge(project_templates, login, customer, tiers):
    ticket = make_ticket(customer, subject="Drucker streikt")
    project_templates(markup.STATUS_BADGE, '<em class="project-status">{{ label }}</em>')
    html = login(customer).get(f"/portal/tickets/{ticket.reference}/").content.decode()
    assert '<em class="project-status">New</em>' in html


def test_no_python_module_but_helpdesk_markup_holds_markup_or_css_classes():
    offenders = []
    for app in ("helpdesk", "tickets", "escalation", "knowledgebase", "mailchannel"):
        for path in (ROOT / app).rglob("*.py"):
            if "migrations" in path.parts or path.name in ("markup.py", "icons.py"):
                continue
            text = path.read_text()
            if re.search(r"""class=\\?["']|text-bg-|\bbtn-|<(span|div|td|tr|li|ul|ol|p)[ >]""", text):
                offenders.append(str(path.relative_to(ROOT)))
    assert offenders == []
