"""Problem management as the services enforce it, whatever the entry point."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from problems import services
from problems.models import (
    Broadcast, BroadcastKind, ProblemEvent, ProblemEventKind, ProblemStatus, ProblemTicket, ProposalStatus,
)
from tests.factories import make_agent
from tickets.models import EventKind, Status, TicketEvent

pytestmark = pytest.mark.django_db


def run(broadcast, batch_size=100):
    while services.broadcast_run_batch(broadcast.pk, batch_size=batch_size):
        pass
    broadcast.refresh_from_db()
    return broadcast


def replies(ticket):
    return list(TicketEvent.objects.filter(ticket=ticket, kind=EventKind.REPLY).values_list("body", flat=True))


# --- the record ------------------------------------------------------------------------------------


def test_an_engineer_records_a_problem_and_owns_it(problem, engineer):
    assert (problem.status, problem.owner, problem.reference) == (ProblemStatus.NEW, engineer, f"PRB-{problem.pk:05d}")
    assert list(problem.events.values_list("kind", flat=True)) == [ProblemEventKind.CREATED]


def test_lower_levels_and_customers_do_not_record_problems(agent1, agent2, customer):
    for person in (agent1, agent2, customer):
        with pytest.raises(PermissionDenied, match="Only engineers"):
            services.problem_create(actor=person, title="Anything")


def test_a_problem_needs_a_title_and_an_owner_who_works_problems(engineer, agent1):
    with pytest.raises(ValidationError) as error:
        services.problem_create(actor=engineer, title="   ")
    assert "title" in error.value.message_dict
    with pytest.raises(ValidationError) as error:
        services.problem_create(actor=engineer, title="Printer", owner=agent1)
    assert "owner" in error.value.message_dict


def test_status_moves_and_refusals(problem, engineer):
    services.problem_change_status(problem=problem, actor=engineer, status=ProblemStatus.INVESTIGATING)
    with pytest.raises(ValidationError, match="Resolve"):
        services.problem_change_status(problem=problem, actor=engineer, status=ProblemStatus.RESOLVED)
    with pytest.raises(ValidationError, match="Unknown"):
        services.problem_change_status(problem=problem, actor=engineer, status="fixed")
    services.problem_change_status(problem=problem, actor=engineer, status=ProblemStatus.CLOSED)
    with pytest.raises(ValidationError, match="cannot be set"):
        services.problem_change_status(problem=problem, actor=engineer, status=ProblemStatus.INVESTIGATING)
    with pytest.raises(ValidationError, match="closed problem"):
        services.problem_update(problem=problem, actor=engineer, title="Reopened?")
    assert [e["to"] for e in problem.events.filter(kind=ProblemEventKind.STATUS).values_list("data", flat=True)] == [
        "investigating", "closed"]


# --- linking ---------------------------------------------------------------------------------------


def test_linking_tickets_writes_both_timelines_and_one_problem_per_ticket(problem, engineer, make_customer_ticket):
    first, second = make_customer_ticket(), make_customer_ticket()
    services.problem_link_tickets(problem=problem, actor=engineer, tickets=[first, second, first])
    assert set(problem.links.values_list("ticket", flat=True)) == {first.pk, second.pk}
    assert TicketEvent.objects.filter(ticket=first, kind=EventKind.PROBLEM, is_public=False).count() == 1
    assert problem.events.get(kind=ProblemEventKind.LINKED).data["tickets"] == [first.reference, second.reference]
    other = services.problem_create(actor=engineer, title="Another cause")
    with pytest.raises(ValidationError, match="Already linked to another problem"):
        services.problem_link_tickets(problem=other, actor=engineer, tickets=[first])
    # Linking again to the same problem changes nothing.
    assert services.problem_link_tickets(problem=problem, actor=engineer, tickets=[first]) == []


def test_linking_obeys_the_tiers_power_to_link(problem, agent1, tier1, tier3, make_customer_ticket):
    from tickets.models import Reach, TicketAction, TierPower

    ticket = make_customer_ticket()
    ticket.tier = tier3
    ticket.save()
    TierPower.objects.create(tier=tier1, action=TicketAction.LINK_PROBLEM, reach=Reach.OWN_AND_BELOW)
    with pytest.raises(PermissionDenied, match="may not link tickets at 3rd Level"):
        services.problem_link_tickets(problem=problem, actor=agent1, tickets=[ticket])
    assert not ProblemTicket.objects.exists()
    own = make_customer_ticket()
    services.problem_link_tickets(problem=problem, actor=agent1, tickets=[own])  # any agent links by default
    assert problem.links.count() == 1


def test_unlinking_and_closed_problems(problem, engineer, make_customer_ticket):
    ticket = make_customer_ticket()
    services.problem_link_tickets(problem=problem, actor=engineer, tickets=[ticket])
    services.problem_unlink_ticket(problem=problem, actor=engineer, ticket=ticket)
    assert not problem.links.exists()
    with pytest.raises(ValidationError, match="not linked"):
        services.problem_unlink_ticket(problem=problem, actor=engineer, ticket=ticket)
    services.problem_change_status(problem=problem, actor=engineer, status=ProblemStatus.CLOSED)
    with pytest.raises(ValidationError, match="closed problem"):
        services.problem_link_tickets(problem=problem, actor=engineer, tickets=[ticket])


# --- the workaround ------------------------------------------------------------------------------


def test_the_workaround_reaches_every_open_ticket_once_in_its_customers_language(problem, engineer, make_customer_ticket):
    german, english, solved = make_customer_ticket("de"), make_customer_ticket("en"), make_customer_ticket("en")
    solved.status = Status.SOLVED
    solved.save()
    services.problem_link_tickets(problem=problem, actor=engineer, tickets=[german, english, solved])
    broadcast = services.problem_publish_workaround(problem=problem, actor=engineer, hold=True)
    assert (broadcast.total, broadcast.kind) == (2, BroadcastKind.WORKAROUND)
    broadcast = run(broadcast, batch_size=1)
    assert (broadcast.done, broadcast.skipped, broadcast.percent) == (2, 0, 100) and broadcast.finished_at
    assert replies(german) == ["Unser VPN trennt seit einem Update die Verbindung.\n\n"
                               "Bis zur Behebung hilft Folgendes:\nNeu verbinden oder solange das Webportal nutzen."]
    assert replies(english) == ["Our VPN drops connections since an update.\n\n"
                                "Until it is fixed, this helps:\nReconnect, or use the web portal meanwhile."]
    assert replies(solved) == []
    german.refresh_from_db()
    assert german.status == Status.ON_HOLD  # pauses the clocks the SLA policy pauses
    problem.refresh_from_db()
    assert problem.status == ProblemStatus.KNOWN_ERROR
    # Running it again tells nobody twice.
    assert not services.broadcast_run_batch(broadcast.pk)
    assert len(replies(german)) == 1
    assert problem.events.filter(kind=ProblemEventKind.BROADCAST).get().data == {"kind": "workaround", "done": 2, "skipped": 0}


def test_a_batch_that_dies_is_answered_by_the_next_run_and_nobody_twice(problem, engineer, make_customer_ticket, monkeypatch):
    tickets = [make_customer_ticket() for _ in range(5)]
    services.problem_link_tickets(problem=problem, actor=engineer, tickets=tickets)
    broadcast = services.problem_publish_workaround(problem=problem, actor=engineer)
    services.broadcast_run_batch(broadcast.pk, batch_size=2)
    real_tell, calls = services._tell, []

    def dies_on_the_second(link, **kwargs):
        calls.append(link.pk)
        if len(calls) == 2:
            raise RuntimeError("worker killed")
        return real_tell(link, **kwargs)

    monkeypatch.setattr(services, "_tell", dies_on_the_second)
    with pytest.raises(RuntimeError):
        services.broadcast_run_batch(broadcast.pk, batch_size=2)  # the whole batch rolls back
    monkeypatch.setattr(services, "_tell", real_tell)
    broadcast = run(broadcast)
    assert broadcast.done == 5
    assert [len(replies(t)) for t in tickets] == [1] * 5


def test_a_ticket_that_cannot_take_the_reply_is_skipped_and_counted(problem, engineer, make_customer_ticket, tier3):
    from tickets.models import Reach, TicketAction, TierPower

    reachable, beyond = make_customer_ticket(), make_customer_ticket()
    services.problem_link_tickets(problem=problem, actor=engineer, tickets=[reachable, beyond])
    TierPower.objects.create(tier=tier3, action=TicketAction.REPLY, reach=Reach.OWN_LEVEL)
    reachable.tier = tier3
    reachable.save()
    broadcast = run(services.problem_publish_workaround(problem=problem, actor=engineer))
    assert (broadcast.done, broadcast.skipped) == (1, 1)
    assert replies(beyond) == []


def test_the_workaround_needs_text_and_a_problem_being_worked(engineer):
    bare = services.problem_create(actor=engineer, title="Unknown yet")
    with pytest.raises(ValidationError, match="Write the workaround first"):
        services.problem_publish_workaround(problem=bare, actor=engineer)


def test_one_broadcast_at_a_time(problem, engineer, make_customer_ticket):
    services.problem_link_tickets(problem=problem, actor=engineer, tickets=[make_customer_ticket()])
    services.problem_publish_workaround(problem=problem, actor=engineer)
    with pytest.raises(ValidationError, match="being informed already"):
        services.problem_resolve(problem=problem, actor=engineer)


# --- resolving -------------------------------------------------------------------------------------


def test_resolving_answers_and_solves_every_linked_ticket_and_says_which_problem(problem, engineer, make_customer_ticket):
    tickets = [make_customer_ticket("de"), make_customer_ticket("en")]
    services.problem_link_tickets(problem=problem, actor=engineer, tickets=tickets)
    broadcast = run(services.problem_resolve(problem=problem, actor=engineer))
    assert broadcast.done == 2
    for ticket in tickets:
        ticket.refresh_from_db()
        assert ticket.status == Status.SOLVED
        reply = TicketEvent.objects.get(ticket=ticket, kind=EventKind.REPLY)
        assert reply.data["problem"] == {"id": problem.pk, "reference": problem.reference, "title": problem.title,
                                         "step": "resolution"}
    assert "Version 5.1.3 installiert" in replies(tickets[0])[0]
    problem.refresh_from_db()
    assert (problem.status, problem.resolved_by) == (ProblemStatus.RESOLVED, engineer)


def test_resolving_can_leave_the_tickets_open_to_confirm_with_the_customer(problem, engineer, make_customer_ticket, settings):
    settings.HELPDESK_PROBLEM_SOLVES_TICKETS = False
    ticket = make_customer_ticket()
    services.problem_link_tickets(problem=problem, actor=engineer, tickets=[ticket])
    run(services.problem_resolve(problem=problem, actor=engineer))
    ticket.refresh_from_db()
    assert ticket.status == Status.OPEN and len(replies(ticket)) == 1


def test_a_ticket_linked_later_gets_the_known_answer_at_once(problem, engineer, make_customer_ticket):
    run(services.problem_publish_workaround(problem=problem, actor=engineer))
    later = make_customer_ticket("de")
    services.problem_link_tickets(problem=problem, actor=engineer, tickets=[later])
    assert "Neu verbinden" in replies(later)[0]
    run(services.problem_resolve(problem=problem, actor=engineer))
    latest = make_customer_ticket("en")
    services.problem_link_tickets(problem=problem, actor=engineer, tickets=[latest])
    latest.refresh_from_db()
    assert "5.1.3" in replies(latest)[0] and latest.status == Status.SOLVED


def test_resolving_needs_the_resolution(engineer):
    bare = services.problem_create(actor=engineer, title="Unknown yet")
    with pytest.raises(ValidationError, match="Write the resolution first"):
        services.problem_resolve(problem=bare, actor=engineer)


# --- change proposals ------------------------------------------------------------------------------


@pytest.fixture
def lead(tier2):
    person = make_agent(tier2, username="lars.lead")
    tier2.lead = person
    tier2.save()
    return person


def test_a_proposal_is_decided_by_a_lead_with_a_reason_then_implemented(problem, engineer, lead):
    proposal = services.proposal_create(problem=problem, actor=engineer, title="Raise the keep-alive to 60 s",
                                        reason="Stops the drops for good.", risk="low", components="VPN gateway")
    problem.refresh_from_db()
    assert problem.status == ProblemStatus.CHANGE_PROPOSED
    with pytest.raises(ValidationError) as error:
        services.proposal_decide(proposal=proposal, actor=lead, approve=True, reason="  ")
    assert "reason" in error.value.message_dict
    services.proposal_decide(proposal=proposal, actor=lead, approve=True, reason="Low risk, big win.")
    proposal.refresh_from_db()
    assert (proposal.status, proposal.decided_by, proposal.decision_reason) == (ProposalStatus.APPROVED, lead, "Low risk, big win.")
    with pytest.raises(ValidationError, match="decided already"):
        services.proposal_decide(proposal=proposal, actor=lead, approve=False, reason="Changed my mind")
    services.proposal_mark_implemented(proposal=proposal, actor=engineer)
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.IMPLEMENTED
    assert ProblemEvent.objects.filter(problem=problem, kind=ProblemEventKind.DECISION).count() == 2


def test_who_may_not_decide(problem, engineer, agent1, lead, tier3):
    proposal = services.proposal_create(problem=problem, actor=engineer, title="Change", reason="Because")
    with pytest.raises(PermissionDenied, match="tier lead or an admin"):
        services.proposal_decide(proposal=proposal, actor=agent1, approve=True, reason="ok")
    tier3.lead = engineer
    tier3.save()
    with pytest.raises(PermissionDenied, match="other than its author"):
        services.proposal_decide(proposal=proposal, actor=engineer, approve=True, reason="mine")
    with pytest.raises(ValidationError, match="Only an approved"):
        services.proposal_mark_implemented(proposal=proposal, actor=engineer)
    with pytest.raises(PermissionDenied):
        services.proposal_create(problem=problem, actor=agent1, title="x", reason="y")


def test_an_admin_decides_too(problem, engineer, admin_user):
    proposal = services.proposal_create(problem=problem, actor=engineer, title="Change", reason="Because")
    services.proposal_decide(proposal=proposal, actor=admin_user, approve=False, reason="Too risky now.")
    proposal.refresh_from_db()
    assert proposal.status == ProposalStatus.REJECTED


def test_a_workaround_published_while_the_broker_is_down_is_sent_once_the_sweep_resumes_it(
        problem, engineer, make_customer_ticket, monkeypatch, django_capture_on_commit_callbacks, settings):
    from datetime import timedelta

    from django.utils import timezone
    from kombu.exceptions import OperationalError

    from problems import tasks

    ticket = make_customer_ticket()
    services.problem_link_tickets(problem=problem, actor=engineer, tickets=[ticket])

    def broker_down(*args, **kwargs):
        raise OperationalError("Error 111 connecting to 127.0.0.1:6379. Connection refused.")

    monkeypatch.setattr(tasks.run_broadcast, "delay", broker_down)
    with django_capture_on_commit_callbacks(execute=True):
        broadcast = services.problem_publish_workaround(problem=problem, actor=engineer)
    problem.refresh_from_db()
    assert problem.workaround_published_at is not None and replies(ticket) == []

    # Beat's sweep, once the broadcast has been silent long enough and the broker is back.
    Broadcast.objects.filter(pk=broadcast.pk).update(
        created_at=timezone.now() - timedelta(seconds=settings.HELPDESK_BROADCAST_STALE_SECONDS + 1))
    monkeypatch.setattr(tasks.run_broadcast, "delay", tasks.run_broadcast)
    tasks.resume_broadcasts()
    assert len(replies(ticket)) == 1
    broadcast.refresh_from_db()
    assert broadcast.finished_at is not None and broadcast.done == 1


def test_the_problems_offered_for_linking_follow_new_and_closed_problems_although_they_are_cached(problem, engineer):
    from problems import selectors

    assert [p.pk for p in selectors.problems_to_link()] == [problem.pk]
    newer = services.problem_create(actor=engineer, title="Mail server rejects large attachments")
    assert [p.pk for p in selectors.problems_to_link()] == [newer.pk, problem.pk]
    services.problem_change_status(problem=newer, actor=engineer, status=ProblemStatus.CLOSED)
    assert [p.pk for p in selectors.problems_to_link()] == [problem.pk]
