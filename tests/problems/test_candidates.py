"""Candidate problems: the product groups recent tickets that resemble each other or were solved with
the same article, and the 3rd level confirms or dismisses each group."""

from datetime import timedelta

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone

from knowledgebase.models import Article, ArticleLink, LinkKind
from problems import selectors, services
from problems.models import CandidateDismissal
from tickets.models import Ticket

pytestmark = pytest.mark.django_db


def subjects(candidate):
    return sorted(t.subject for t in candidate.tickets)


@pytest.fixture
def vpn_wave(make_customer_ticket):
    return [make_customer_ticket("de", subject="VPN bricht ab"),
            make_customer_ticket("de", subject="VPN-Verbindung bricht ständig ab"),
            make_customer_ticket("de", subject="Unser VPN bricht immer wieder ab"),
            make_customer_ticket("en", subject="VPN keeps dropping"),
            make_customer_ticket("en", subject="vpn keeps dropping since Monday"),
            make_customer_ticket("en", subject="The VPN keeps dropping")]


def test_tickets_whose_subjects_resemble_each_other_are_proposed_as_one_group(vpn_wave, make_customer_ticket):
    make_customer_ticket("en", subject="Invoice address is wrong")
    make_customer_ticket("de", subject="Drucker im 2. Stock druckt nicht")

    candidates = selectors.problem_candidates()

    # Stemmed in the customer's language: the German ones share "vpn" and "brich", the English ones
    # "vpn", "keep" and "drop"; across the languages only "vpn", which is not enough.
    assert sorted(subjects(c) for c in candidates) == [
        ["The VPN keeps dropping", "VPN keeps dropping", "vpn keeps dropping since Monday"],
        ["Unser VPN bricht immer wieder ab", "VPN bricht ab", "VPN-Verbindung bricht ständig ab"],
    ]
    assert all(c.article is None for c in candidates)
    assert selectors.problem_candidates(min_tickets=4) == []


def test_tickets_solved_with_the_same_article_are_proposed_whatever_their_subjects(make_customer_ticket, agent3):
    article = Article.objects.create(title="Reset the token", problem="Token expired", resolution="Reset it", author=agent3)
    solved = [make_customer_ticket(subject=s) for s in ("Cannot log in", "Login refused", "Token error")]
    for ticket in solved:
        ArticleLink.objects.create(ticket=ticket, article=article, kind=LinkKind.USED)
    ArticleLink.objects.create(ticket=make_customer_ticket(subject="Just shown"), article=article, kind=LinkKind.SUGGESTED)

    [candidate] = selectors.problem_candidates()

    assert candidate.article == article and candidate.title == "Reset the token"
    assert subjects(candidate) == ["Cannot log in", "Login refused", "Token error"]


def test_linked_dismissed_and_old_tickets_are_not_proposed(vpn_wave, make_customer_ticket, problem, engineer):
    more = [make_customer_ticket("en", subject="VPN keeps dropping again") for _ in range(2)]
    [candidate] = [c for c in selectors.problem_candidates() if "VPN keeps dropping" in subjects(c)]
    assert len(candidate.tickets) == 5

    services.problem_link_tickets(problem=problem, actor=engineer, tickets=[more[0]])
    services.candidates_dismiss(actor=engineer, tickets=[more[1]])
    Ticket.objects.filter(pk=vpn_wave[5].pk).update(created_at=timezone.now() - timedelta(days=30))

    [candidate] = [c for c in selectors.problem_candidates(min_tickets=2) if "VPN keeps dropping" in subjects(c)]
    assert subjects(candidate) == ["VPN keeps dropping", "vpn keeps dropping since Monday"]
    assert CandidateDismissal.objects.get().dismissed_by == engineer


def test_only_the_level_that_works_problems_dismisses_candidates(vpn_wave, agent1):
    with pytest.raises(PermissionDenied):
        services.candidates_dismiss(actor=agent1, tickets=vpn_wave)
    assert not CandidateDismissal.objects.exists()


def test_the_candidates_page_confirms_a_group_as_a_problem_and_dismisses_another(
        login, engineer, vpn_wave, make_customer_ticket):
    for _ in range(3):
        make_customer_ticket("en", subject="Printer on floor 2 jams")
    client = login(engineer)
    page = client.get(reverse("problems:candidates"))
    assert page.status_code == 200
    assert page.content.decode().count('data-testid="candidate"') == 3

    printers = [t.reference for t in Ticket.objects.filter(subject__startswith="Printer")]
    form = client.post(reverse("problems:selection_new"), {"tickets": printers, "title": "Printer on floor 2 jams"})
    assert form.status_code == 200 and "Printer on floor 2 jams" in form.content.decode()
    client.post(reverse("problems:candidate_dismiss"), {"tickets": [t.reference for t in vpn_wave]})
    assert CandidateDismissal.objects.count() == 6
    assert client.get(reverse("problems:candidates")).content.decode().count('data-testid="candidate"') == 1


@pytest.mark.parametrize("per_group", [3, 12])
def test_the_candidates_page_costs_the_same_queries_however_many_tickets(
        login, engineer, make_customer_ticket, per_group, django_assert_max_num_queries):
    for subject in ("Printer on floor 2 jams", "Mail server rejects attachments"):
        for _ in range(per_group):
            make_customer_ticket("en", subject=subject)
    client = login(engineer)
    client.get(reverse("problems:candidates"))
    with django_assert_max_num_queries(9):
        page = client.get(reverse("problems:candidates"))
    assert page.content.decode().count('data-testid="candidate"') == 2
