"""The short option lists of the agent pages (tiers, categories, agents) come from the cache, and a
change to any of them shows on the next page: the cache is dropped when one is saved or deleted."""

import pytest
from django.test.utils import CaptureQueriesContext
from django.db import connection
from django.urls import reverse

from tests.factories import CategoryFactory, TierFactory, make_agent, make_ticket
from tickets import selectors


def options(html, select_name):
    start = html.index(f'name="{select_name}"')
    return html[start:html.index("</select>", start)]


@pytest.fixture
def queue(login, agent1):
    client = login(agent1)
    return lambda: client.get(reverse("agent:queue")).text


def test_a_new_category_tier_or_agent_is_offered_at_once(queue, tier1):
    queue()
    CategoryFactory(name="Telephony")
    TierFactory(level=4, name="Vendor")
    make_agent(tier1, username="newcomer")
    html = queue()
    assert "Telephony" in options(html, "category")
    assert "Vendor" in options(html, "tier")
    assert "newcomer" in options(html, "assignee")


def test_a_renamed_category_and_a_deactivated_agent_show_at_once(queue, category, tier1):
    agent = make_agent(tier1, username="leaver")
    assert "leaver" in options(queue(), "assignee")
    category.name = "Networking"
    category.save()
    agent.is_active = False
    agent.save()
    html = queue()
    assert "Networking" in options(html, "category")
    assert "leaver" not in options(html, "assignee")


def test_a_removed_membership_takes_the_agent_off_the_ticket_pages_assign_list(login, agent1, tier1, customer):
    leaver = make_agent(tier1, username="leaver", first_name="Lea", last_name="Ver")
    ticket = make_ticket(customer)
    client = login(agent1)
    url = reverse("agent:ticket", kwargs={"reference": ticket.reference})
    assert "Lea Ver" in options(client.get(url).text, "assignee")
    leaver.tier_memberships.all().delete()
    assert "Lea Ver" not in options(client.get(url).text, "assignee")


def test_a_login_does_not_drop_the_lists(db, tier1, agent1, client):
    lists = selectors.reference_lists()
    client.force_login(agent1)  # saves last_login
    assert selectors.reference_lists() is lists


def test_once_cached_the_queue_reads_no_option_lists_from_the_database(queue, category, tier1):
    queue()
    with CaptureQueriesContext(connection) as queries:
        queue()
    tables = " ".join(q["sql"] for q in queries)
    assert "tickets_category" not in tables and "tickets_tier\"" not in tables


def test_a_posted_choice_is_still_checked_against_the_database(login, agent1, ticket, tier1):
    """The options may come from the cache; whether the chosen agent may take the ticket does not."""
    stranger = make_agent(TierFactory(level=5), username="stranger")
    response = login(agent1).post(reverse("agent:ticket_action", kwargs={"reference": ticket.reference, "action": "assign"}),
                                  {"assignee": stranger.pk})
    assert response.status_code == 400
    ticket.refresh_from_db()
    assert ticket.assignee_id is None
