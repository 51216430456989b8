"""Every cached fragment is keyed by all it is drawn from (helpdesk/fragments.py): change any one
input and the page shows new HTML. The classic stale fragment, a renamed person shown under the old
name, is tested on both timelines."""

import pytest
from django.test import Client
from django.urls import reverse

from helpdesk import fragments
from tests.factories import CategoryFactory
from tickets import services

def timeline_of(html: str) -> str:
    start = html.index('data-testid="timeline"')
    return html[start:html.index("</ol>", start)]


EXAMPLE = {"ticket": 1, "changed": "2026-12-02T10:00:00+00:00", "language": "de", "lists": "v1", "reader": 7,
           "query": "status=open", "page_size": 25, "action": "reply", "status": "open", "priority": 2,
           "category": 3, "tier": 1, "assignee": 4}


@pytest.mark.parametrize("fragment", fragments.ALL, ids=lambda f: f.name)
def test_each_input_of_a_fragment_is_in_its_key(fragment):
    values = {name: EXAMPLE[name] for name in fragment.inputs}
    key = fragment.key(**values)
    for name in fragment.inputs:
        changed = {**values, name: f"{values[name]}-changed"}
        assert fragment.key(**changed) != key, name


@pytest.mark.parametrize("fragment", fragments.ALL, ids=lambda f: f.name)
def test_a_fragment_cannot_be_looked_up_without_every_input(fragment):
    values = {name: EXAMPLE[name] for name in fragment.inputs}
    with pytest.raises(TypeError, match="missing"):
        fragment.key(**dict(list(values.items())[1:]))
    with pytest.raises(TypeError, match="unknown"):
        fragment.key(**values, colour="blue")


def test_drawn_once_then_kept():
    drawn = []
    fragment = fragments.Fragment("test-once", ("n",))

    def draw():
        drawn.append(1)
        return "<b>x</b>"

    assert fragment.html(draw, n=1) == fragment.html(draw, n=1) == "<b>x</b>"
    assert len(drawn) == 1


@pytest.fixture
def agent_page(login, agent2, ticket):
    """The ticket page as another agent sees it: agent1's name is then only in the timeline."""
    client = login(agent2)
    return lambda: client.get(reverse("agent:ticket", kwargs={"reference": ticket.reference})).text


@pytest.fixture
def portal_page(customer, ticket):
    client = Client()
    client.force_login(customer)
    return lambda: client.get(reverse("portal:ticket", kwargs={"reference": ticket.reference})).text


@pytest.mark.django_db
def test_a_renamed_agent_shows_under_the_new_name_on_both_timelines_at_once(agent_page, portal_page, ticket, agent1):
    services.ticket_reply(ticket=ticket, author=agent1, body="Wir kümmern uns.")
    name = agent1.get_full_name()
    assert name in timeline_of(agent_page()) and name in timeline_of(portal_page())
    agent1.first_name, agent1.last_name = "Renate", "Neumann"
    agent1.save()
    assert "Renate Neumann" in timeline_of(agent_page())
    assert "Renate Neumann" in timeline_of(portal_page())


@pytest.mark.django_db
def test_a_renamed_customer_shows_under_the_new_name_on_the_agents_timeline(agent_page, ticket, customer):
    agent_page()
    customer.first_name = "Umbenannt"
    customer.save()
    assert "Umbenannt" in timeline_of(agent_page())


@pytest.mark.django_db
def test_the_queue_filter_follows_the_query_the_page_size_the_language_and_the_lists(login, agent1, ticket):
    client = login(agent1)
    queue = reverse("agent:queue")
    assert 'value="Drucker"' in client.get(queue, {"q": "Drucker"}).text
    assert 'value="Toner"' in client.get(queue, {"q": "Toner"}).text
    assert '<option value="50" selected>' in client.get(queue, {"size": 50}).text
    CategoryFactory(name="Frisch angelegt")
    assert "Frisch angelegt" in client.get(queue).text
    client.post(reverse("set_language"), {"language": "de", "next": "/"})
    assert "Filtern" in client.get(queue).text
