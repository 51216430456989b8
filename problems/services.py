"""Every write about problems, in one transaction, with its validation and permission checks.

Who does what:
- recording and working a problem (create, edit, status, workaround, resolution, proposals) needs
  the permission `problems.change_problem`, which the 3rd level holds by default (its tier's powers);
- linking a ticket needs the ticket power "link to a problem" at the ticket's level (tickets/powers.py),
  checked by `tickets.services.ticket_record_problem`;
- deciding a change proposal is for a tier lead or an admin, never for its author.

What customers are told goes through `tickets.services.ticket_reply` (one public reply per ticket, in
the customer's language, mailed by the mail channel like every reply); a broadcast marks each link
in the same transaction, so it can be resumed after a dead worker without telling anyone twice.
"""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.db.models import F
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from tickets import roles
from tickets import services as ticket_services
from tickets.models import OPEN_STATUSES, Channel, Status, Ticket

from .models import (
    ACTIVE_STATUSES, Broadcast, BroadcastKind, CandidateDismissal, ChangeProposal, Problem, ProblemEvent, ProblemEventKind,
    ProblemStatus, ProblemTicket, ProposalStatus, Risk,
)
from .selectors import forget_problems_to_link

TEXT_MAX_LENGTH = 20_000

EDITABLE_FIELDS = ("title", "description", "cause", "affected_systems", "affected_versions", "owner", "article",
                   *(f"{field}_{code}" for field in ("summary", "workaround", "resolution")
                     for code, _name in settings.LANGUAGES))

# Which status a problem may be set to by hand; "resolved" comes with the resolution (problem_resolve).
STATUS_MOVES = {
    **{status: {*ACTIVE_STATUSES, ProblemStatus.CLOSED} - {status} for status in ACTIVE_STATUSES},
    ProblemStatus.RESOLVED: {ProblemStatus.CLOSED},
    ProblemStatus.CLOSED: set(),
}


# --- who may ---------------------------------------------------------------------------------------


def may_work_problems(user) -> bool:
    return bool(user and roles.is_agent(user) and roles.holds(user, "problems.change_problem"))


def require_problem_worker(user) -> None:
    if not may_work_problems(user):
        raise PermissionDenied(_("Only engineers whose level works problems can do this."))


def may_decide_proposals(user) -> bool:
    return bool(user and (roles.is_admin(user) or (roles.is_agent(user) and user.led_tiers.exists())))


def _require_owner_candidate(owner) -> None:
    if owner is None or not may_work_problems(owner):
        raise ValidationError({"owner": _("The owner must be an engineer whose level works problems.")})


def _clean(value, *, field, max_length=TEXT_MAX_LENGTH, required=False) -> str:
    value = (value or "").strip()
    if required and not value:
        raise ValidationError({field: _("This field is required.")})
    if len(value) > max_length:
        raise ValidationError({field: _("At most %(count)d characters.") % {"count": max_length}})
    return value


def _lock(problem: Problem) -> Problem:
    return Problem.objects.select_for_update().get(pk=problem.pk)


def _event(problem, *, kind, actor, body="", data=None) -> ProblemEvent:
    Problem.objects.filter(pk=problem.pk).update(updated_at=timezone.now())
    forget_problems_to_link()  # their order is the latest worked first
    return ProblemEvent.objects.create(problem=problem, kind=kind, actor=actor, body=body, data=data or {})


def _problem_ref(problem: Problem) -> dict:
    return {"id": problem.pk, "reference": problem.reference, "title": problem.title}


# --- the record ------------------------------------------------------------------------------------


@transaction.atomic
def problem_create(*, actor, title: str, owner=None, tickets=(), **fields) -> Problem:
    require_problem_worker(actor)
    owner = owner or actor
    _require_owner_candidate(owner)
    problem = Problem(title=_clean(title, field="title", max_length=200, required=True), owner=owner,
                      created_by=actor)
    for name, value in fields.items():
        if name not in EDITABLE_FIELDS:
            raise TypeError(name)
        setattr(problem, name, value.strip() if isinstance(value, str) else value)
    problem.full_clean()
    problem.save()
    _event(problem, kind=ProblemEventKind.CREATED, actor=actor)
    if tickets:
        problem_link_tickets(problem=problem, actor=actor, tickets=tickets)
    return problem


@transaction.atomic
def problem_update(*, problem: Problem, actor, **fields) -> Problem:
    require_problem_worker(actor)
    problem = _lock(problem)
    if problem.status == ProblemStatus.CLOSED:
        raise ValidationError(_("A closed problem cannot be changed."))
    changed = []
    for name, value in fields.items():
        if name not in EDITABLE_FIELDS:
            raise TypeError(name)
        value = value.strip() if isinstance(value, str) else value
        if getattr(problem, name) != value:
            setattr(problem, name, value)
            changed.append(name)
    if "owner" in changed:
        _require_owner_candidate(problem.owner)
    if "title" in changed:
        problem.title = _clean(problem.title, field="title", max_length=200, required=True)
    if changed:
        problem.full_clean()
        problem.save()
        _event(problem, kind=ProblemEventKind.UPDATED, actor=actor, data={"fields": changed})
    return problem


@transaction.atomic
def problem_change_status(*, problem: Problem, actor, status: str) -> Problem:
    require_problem_worker(actor)
    if status not in ProblemStatus.values:
        raise ValidationError({"status": _("Unknown status.")})
    problem = _lock(problem)
    if status == ProblemStatus.RESOLVED and problem.status != ProblemStatus.RESOLVED:
        raise ValidationError({"status": _("A problem is resolved with its resolution: use “Resolve”.")})
    if status not in STATUS_MOVES[problem.status]:
        raise ValidationError({"status": _("A problem that is “%(current)s” cannot be set to “%(new)s”.") % {
            "current": ProblemStatus(problem.status).label, "new": ProblemStatus(status).label}})
    old = problem.status
    problem.status = status
    problem.save(update_fields=["status", "updated_at"])
    _event(problem, kind=ProblemEventKind.STATUS, actor=actor, data={"from": old, "to": status})
    return problem


# --- linking tickets -------------------------------------------------------------------------------


@transaction.atomic
def problem_link_tickets(*, problem: Problem, actor, tickets) -> list[ProblemTicket]:
    """Link tickets to the problem. A ticket has at most one problem. A ticket linked after the
    workaround or the resolution went out gets it at once."""
    problem = _lock(problem)
    if problem.status == ProblemStatus.CLOSED:
        raise ValidationError(_("Tickets cannot be linked to a closed problem."))
    tickets = list({t.pk: t for t in tickets}.values())
    if not tickets:
        raise ValidationError({"tickets": _("Choose at least one ticket.")})
    taken = dict(ProblemTicket.objects.filter(ticket__in=tickets).values_list("ticket_id", "problem_id"))
    elsewhere = [t.reference for t in tickets if taken.get(t.pk, problem.pk) != problem.pk]
    if elsewhere:
        raise ValidationError({"tickets": _("Already linked to another problem: %(tickets)s.") % {
            "tickets": ", ".join(sorted(elsewhere))}})
    links = []
    for ticket in tickets:
        if ticket.pk in taken:
            continue
        ticket_services.ticket_record_problem(ticket=ticket, actor=actor,
                                              data={"problem": _problem_ref(problem), "linked": True})
        links.append(ProblemTicket.objects.create(problem=problem, ticket=ticket, linked_by=actor))
    if not links:
        return []
    _event(problem, kind=ProblemEventKind.LINKED, actor=actor,
           data={"tickets": [link.ticket.reference for link in links]})
    # The known answer at once (few tickets: a link is one person's act, not a broadcast).
    if problem.status == ProblemStatus.RESOLVED:
        for link in links:
            _tell(link, kind=BroadcastKind.RESOLUTION, author=actor, problem=problem)
    elif problem.workaround_published_at:
        for link in links:
            _tell(link, kind=BroadcastKind.WORKAROUND, author=actor, problem=problem)
    return links


@transaction.atomic
def problem_unlink_ticket(*, problem: Problem, actor, ticket: Ticket) -> None:
    problem = _lock(problem)
    link = ProblemTicket.objects.filter(problem=problem, ticket=ticket).first()
    if link is None:
        raise ValidationError(_("The ticket is not linked to this problem."))
    ticket_services.ticket_record_problem(ticket=ticket, actor=actor,
                                          data={"problem": _problem_ref(problem), "linked": False})
    link.delete()
    _event(problem, kind=ProblemEventKind.UNLINKED, actor=actor, data={"tickets": [ticket.reference]})


# --- telling the customers -------------------------------------------------------------------------


def customer_message(problem: Problem, kind: str, language: str) -> str:
    """The reply a customer gets, in their language (each translated field falls back to English)."""
    with translation.override(language):
        summary = (problem.summary or "").strip()
        if kind == BroadcastKind.WORKAROUND:
            text, heading = problem.workaround, _("Until it is fixed, this helps:")
        else:
            text, heading = problem.resolution, _("How it has been fixed:")
        parts = [summary, f"{heading}\n{(text or '').strip()}"] if summary else [f"{heading}\n{(text or '').strip()}"]
        return "\n\n".join(parts)


def _tell(link: ProblemTicket, *, kind: str, author, problem: Problem) -> None:
    """One public reply to the link's ticket, and the mark that it went out, in the caller's transaction."""
    ticket = link.ticket
    language = getattr(getattr(ticket.requester, "profile", None), "language", None) or settings.LANGUAGE_CODE
    if kind == BroadcastKind.WORKAROUND:
        status = Status.ON_HOLD if problem.hold_on_workaround and ticket.status in OPEN_STATUSES else None
        marker = "workaround_sent_at"
    else:
        status = Status.SOLVED if problem.solve_on_resolution else Status.OPEN
        marker = "resolution_sent_at"
    ticket_services.ticket_reply(
        ticket=ticket, author=author, body=customer_message(problem, kind, language), status=status,
        channel=Channel.SYSTEM, event_data={"problem": {**_problem_ref(problem), "step": kind}},
    )
    setattr(link, marker, timezone.now())
    link.save(update_fields=[marker])


def _start_broadcast(problem: Problem, *, kind: str, actor) -> Broadcast:
    marker = "workaround_sent_at" if kind == BroadcastKind.WORKAROUND else "resolution_sent_at"
    total = problem.links.filter(**{f"{marker}__isnull": True}, ticket__status__in=OPEN_STATUSES).count()
    broadcast = Broadcast.objects.create(problem=problem, kind=kind, started_by=actor, total=total)
    from .tasks import run_broadcast

    def start():
        for _worker in range(max(1, settings.HELPDESK_BROADCAST_PARALLELISM)):
            run_broadcast.delay(broadcast.pk)

    # robust: with the broker down the problem is still published; beat's resume_broadcasts starts
    # the broadcast once it has been silent for HELPDESK_BROADCAST_STALE_SECONDS.
    transaction.on_commit(start, robust=True)
    return broadcast


@transaction.atomic
def problem_publish_workaround(*, problem: Problem, actor, hold: bool = False) -> Broadcast:
    """Tell every linked open ticket the summary and the workaround, and optionally put it on hold
    until the fix (which pauses the clocks the SLA policy pauses). A worker sends it in batches."""
    require_problem_worker(actor)
    problem = _lock(problem)
    if not problem.is_active:
        raise ValidationError(_("The workaround can only be published while the problem is being worked."))
    if not (problem.workaround or "").strip():
        raise ValidationError({"workaround": _("Write the workaround first.")})
    if problem.broadcasts.filter(finished_at__isnull=True).exists():
        raise ValidationError(_("Customers are being informed already; wait until that has finished."))
    problem.workaround_published_at = timezone.now()
    problem.hold_on_workaround = bool(hold)
    if problem.status in (ProblemStatus.NEW, ProblemStatus.INVESTIGATING):
        problem.status = ProblemStatus.KNOWN_ERROR
    problem.save(update_fields=["workaround_published_at", "hold_on_workaround", "status", "updated_at"])
    broadcast = _start_broadcast(problem, kind=BroadcastKind.WORKAROUND, actor=actor)
    _event(problem, kind=ProblemEventKind.WORKAROUND, actor=actor, body=problem.workaround,
           data={"hold": bool(hold), "tickets": broadcast.total})
    return broadcast


@transaction.atomic
def problem_resolve(*, problem: Problem, actor, solve_tickets: bool | None = None) -> Broadcast:
    """Resolve the problem: every linked open ticket gets the resolution and is solved (or stays open
    at its level to confirm with the customer: settings.HELPDESK_PROBLEM_SOLVES_TICKETS)."""
    require_problem_worker(actor)
    problem = _lock(problem)
    if not problem.is_active:
        raise ValidationError(_("Only a problem that is being worked can be resolved."))
    if not (problem.resolution or "").strip():
        raise ValidationError({"resolution": _("Write the resolution first.")})
    if problem.broadcasts.filter(finished_at__isnull=True).exists():
        raise ValidationError(_("Customers are being informed already; wait until that has finished."))
    problem.status = ProblemStatus.RESOLVED
    problem.resolved_at = timezone.now()
    problem.resolved_by = actor
    problem.solve_on_resolution = settings.HELPDESK_PROBLEM_SOLVES_TICKETS if solve_tickets is None else bool(solve_tickets)
    problem.save(update_fields=["status", "resolved_at", "resolved_by", "solve_on_resolution", "updated_at"])
    broadcast = _start_broadcast(problem, kind=BroadcastKind.RESOLUTION, actor=actor)
    _event(problem, kind=ProblemEventKind.RESOLVED, actor=actor, body=problem.resolution,
           data={"solve": problem.solve_on_resolution, "tickets": broadcast.total})
    return broadcast


def broadcast_run_batch(broadcast_id: int, *, batch_size: int | None = None) -> bool:
    """Answer the next batch of the broadcast's tickets in one transaction; True while more remain.

    Links are claimed FOR UPDATE SKIP LOCKED, so several workers share one broadcast, and each is
    marked in the transaction of its reply: a worker killed mid-batch leaves its batch, unanswered,
    to the next claim. The broadcast's counters move by increments, so the workers never wait for
    each other; the last one to find nothing left closes it, once."""
    batch_size = batch_size or settings.HELPDESK_BROADCAST_BATCH
    broadcast = Broadcast.objects.filter(pk=broadcast_id, finished_at__isnull=True).select_related(
        "problem", "started_by").first()
    if broadcast is None:
        return False
    problem = broadcast.problem
    marker = "workaround_sent_at" if broadcast.kind == BroadcastKind.WORKAROUND else "resolution_sent_at"
    waiting = (problem.links.filter(**{f"{marker}__isnull": True}, ticket__status__in=OPEN_STATUSES)
               .exclude(pk__in=broadcast.skipped_links.values("pk")))
    with transaction.atomic():
        links = list(waiting.select_for_update(of=("self",), skip_locked=True)
                     .select_related("ticket__requester__profile", "ticket__tier").order_by("pk")[:batch_size])
        done = skipped = 0
        for link in links:
            try:
                # ticket_reply's own savepoint undoes a refused reply; the mark follows it.
                _tell(link, kind=broadcast.kind, author=broadcast.started_by, problem=problem)
                done += 1
            except (ValidationError, PermissionDenied):
                # The ticket cannot take the reply (closed meanwhile, a level the author may not
                # answer): counted, left alone, shown on the problem.
                broadcast.skipped_links.add(link)
                skipped += 1
        Broadcast.objects.filter(pk=broadcast.pk).update(
            done=F("done") + done, skipped=F("skipped") + skipped, heartbeat_at=timezone.now())
    if links:
        return True
    # Nothing left to claim; another worker may still hold a batch (it closes the broadcast then).
    if waiting.exists():
        return False
    with transaction.atomic():
        closed = Broadcast.objects.filter(pk=broadcast.pk, finished_at__isnull=True).update(finished_at=timezone.now())
        if closed:
            broadcast.refresh_from_db(fields=["done", "skipped"])
            _event(problem, kind=ProblemEventKind.BROADCAST, actor=None,
                   data={"kind": broadcast.kind, "done": broadcast.done, "skipped": broadcast.skipped})
    return False


# --- candidates ----------------------------------------------------------------------------------


@transaction.atomic
def candidates_dismiss(*, actor, tickets) -> int:
    """The 3rd level judged these proposed tickets not one problem: they are not proposed again."""
    require_problem_worker(actor)
    if not tickets:
        raise ValidationError({"tickets": _("Choose at least one ticket.")})
    made = CandidateDismissal.objects.bulk_create(
        [CandidateDismissal(ticket=t, dismissed_by=actor) for t in tickets], ignore_conflicts=True)
    return len(made)


# --- change proposals ------------------------------------------------------------------------------


@transaction.atomic
def proposal_create(*, problem: Problem, actor, title: str, reason: str, risk: str = Risk.MEDIUM,
                    components: str = "") -> ChangeProposal:
    require_problem_worker(actor)
    problem = _lock(problem)
    if not problem.is_active:
        raise ValidationError(_("Changes can only be proposed while the problem is being worked."))
    if risk not in Risk.values:
        raise ValidationError({"risk": _("Unknown risk.")})
    proposal = ChangeProposal(problem=problem, proposed_by=actor, risk=risk,
                              title=_clean(title, field="title", max_length=200, required=True),
                              reason=_clean(reason, field="reason", required=True),
                              components=_clean(components, field="components", max_length=300))
    proposal.save()
    if problem.status != ProblemStatus.CHANGE_PROPOSED:
        problem.status = ProblemStatus.CHANGE_PROPOSED
        problem.save(update_fields=["status", "updated_at"])
    _event(problem, kind=ProblemEventKind.PROPOSAL, actor=actor, body=proposal.reason,
           data={"proposal": proposal.pk, "title": proposal.title})
    return proposal


@transaction.atomic
def proposal_decide(*, proposal: ChangeProposal, actor, approve: bool, reason: str) -> ChangeProposal:
    if not may_decide_proposals(actor):
        raise PermissionDenied(_("Only a tier lead or an admin decides change proposals."))
    proposal = ChangeProposal.objects.select_for_update().get(pk=proposal.pk)
    if proposal.proposed_by_id == actor.pk and not roles.is_admin(actor):
        raise PermissionDenied(_("A proposal is decided by someone other than its author."))
    if proposal.status != ProposalStatus.PROPOSED:
        raise ValidationError(_("This proposal has been decided already."))
    proposal.decision_reason = _clean(reason, field="reason", required=True)
    proposal.status = ProposalStatus.APPROVED if approve else ProposalStatus.REJECTED
    proposal.decided_by = actor
    proposal.decided_at = timezone.now()
    proposal.save()
    _event(proposal.problem, kind=ProblemEventKind.DECISION, actor=actor, body=proposal.decision_reason,
           data={"proposal": proposal.pk, "title": proposal.title, "status": proposal.status})
    return proposal


@transaction.atomic
def proposal_mark_implemented(*, proposal: ChangeProposal, actor) -> ChangeProposal:
    require_problem_worker(actor)
    proposal = ChangeProposal.objects.select_for_update().get(pk=proposal.pk)
    if proposal.status != ProposalStatus.APPROVED:
        raise ValidationError(_("Only an approved proposal can be implemented."))
    proposal.status = ProposalStatus.IMPLEMENTED
    proposal.implemented_at = timezone.now()
    proposal.save(update_fields=["status", "implemented_at"])
    _event(proposal.problem, kind=ProblemEventKind.DECISION, actor=actor,
           data={"proposal": proposal.pk, "title": proposal.title, "status": proposal.status})
    return proposal
