"""The problem pages: who sees what, the forms' refusals on the page, and constant query counts."""

import pytest
from django.urls import reverse

from problems import services
from problems.models import Problem, ProblemStatus, ProposalStatus
from tests.factories import make_agent

pytestmark = pytest.mark.django_db


def test_an_engineer_records_a_problem_through_the_form(login, engineer):
    client = login(engineer)
    assert client.get(reverse("problems:new")).status_code == 200
    refused = client.post(reverse("problems:new"), {"title": ""})
    assert refused.status_code == 400 and "This field is required." in refused.text
    response = client.post(reverse("problems:new"), {"title": "Mail delays", "summary_de": "Mails kommen später an.",
                                                     "workaround_en": "Use the web mail."}, follow=True)
    problem = Problem.objects.get()
    assert response.redirect_chain[-1][0] == reverse("problems:detail", args=[problem.pk])
    assert (problem.summary_de, problem.workaround_en, problem.owner) == ("Mails kommen später an.", "Use the web mail.", engineer)
    assert "The problem has been recorded." in response.text and "PRB-" in response.text


def test_lower_levels_read_problems_but_do_not_work_them(login, agent1, problem):
    client = login(agent1)
    listing = client.get(reverse("problems:list"))
    assert listing.status_code == 200 and problem.title in listing.text and "New problem" not in listing.text
    detail = client.get(reverse("problems:detail", args=[problem.pk]))
    assert detail.status_code == 200 and "Publish the workaround" not in detail.text and "Link tickets" in detail.text
    assert client.get(reverse("problems:new")).status_code == 403
    assert client.post(reverse("problems:workaround", args=[problem.pk])).status_code == 403
    assert client.post(reverse("problems:resolve", args=[problem.pk])).status_code == 403


def test_customers_and_visitors_never_see_problems(client, login, customer, problem):
    assert client.get(reverse("problems:list")).status_code == 302  # to the login
    assert login(customer).get(reverse("problems:detail", args=[problem.pk])).status_code == 403


def test_linking_tickets_by_number_on_the_problem_page(login, engineer, problem, make_customer_ticket):
    first, second = make_customer_ticket(), make_customer_ticket()
    client = login(engineer)
    unknown = client.post(reverse("problems:link", args=[problem.pk]), {"tickets": f"{first.reference} HD-1999-000001"})
    assert unknown.status_code == 400 and "No such ticket: HD-1999-000001." in unknown.text
    assert not problem.links.exists()
    client.post(reverse("problems:link", args=[problem.pk]), {"tickets": f"{first.reference}, {second.reference}"})
    assert problem.links.count() == 2


def test_the_ticket_page_links_its_ticket_and_then_shows_the_problem(login, engineer, problem, make_customer_ticket):
    ticket = make_customer_ticket()
    client = login(engineer)
    page = client.get(reverse("agent:ticket", args=[ticket.reference])).text
    assert 'data-testid="problem-panel"' in page and f"{problem.reference} {problem.title}" in page  # offered
    bad = client.post(reverse("problems:ticket_link", args=[ticket.reference]), {"problem": "nonsense"}, follow=True)
    assert "No such problem" in bad.text
    client.post(reverse("problems:ticket_link", args=[ticket.reference]), {"problem": f"{problem.reference} {problem.title}"})
    page = client.get(reverse("agent:ticket", args=[ticket.reference])).text
    assert 'data-testid="ticket-problem"' in page and f"Linked to problem {problem.reference}" in page


def test_the_workaround_and_the_resolution_buttons_start_broadcasts(login, engineer, problem, make_customer_ticket):
    services.problem_link_tickets(problem=problem, actor=engineer, tickets=[make_customer_ticket()])
    client = login(engineer)
    response = client.post(reverse("problems:workaround", args=[problem.pk]), {"hold": "on"}, follow=True)
    assert "being sent to every linked open ticket" in response.text
    assert 'data-testid="broadcast-progress"' in response.text and "0 of 1 tickets answered" in response.text
    again = client.post(reverse("problems:resolve", args=[problem.pk]), follow=True)
    assert "being informed already" in again.text  # shown as a message, not an error page


def test_a_lead_decides_a_proposal_on_the_page(login, engineer, problem, tier2):
    lead = make_agent(tier2, username="lea.lead")
    tier2.lead = lead
    tier2.save()
    login(engineer).post(reverse("problems:proposal_new", args=[problem.pk]),
                         {"title": "Pin the gateway to 5.1.3", "reason": "Stops it.", "risk": "low"})
    proposal = problem.proposals.get()
    client = login(lead)
    assert "Decide" in client.get(reverse("problems:detail", args=[problem.pk])).text
    client.post(reverse("problems:proposal_decide", args=[problem.pk, proposal.pk]), {"decision": "approve", "reason": "Go."})
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.APPROVED


@pytest.mark.parametrize("count", [1, 12])
def test_the_problem_pages_cost_the_same_queries_however_many_tickets(login, engineer, problem, make_customer_ticket,
                                                                      count, django_assert_max_num_queries):
    from tickets.selectors import reference_lists

    services.problem_link_tickets(problem=problem, actor=engineer, tickets=[make_customer_ticket() for _ in range(count)])
    for n in range(count):
        services.problem_create(actor=engineer, title=f"Problem {n}")
    services.proposal_create(problem=problem, actor=engineer, title="Change", reason="Why")
    client = login(engineer)
    reference_lists()
    with django_assert_max_num_queries(14):
        assert client.get(reverse("problems:detail", args=[problem.pk])).status_code == 200
    with django_assert_max_num_queries(10):
        assert client.get(reverse("problems:list"), {"status": "all"}).status_code == 200
    problem.refresh_from_db()
    assert problem.status == ProblemStatus.CHANGE_PROPOSED
