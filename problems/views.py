"""The problem pages for agents: the list, one problem with its tickets, timeline, broadcasts and
change proposals, and the forms that call the services. Views parse input, call a service or a
selector and render."""

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_GET, require_POST

from helpdesk.web.decorators import agent_required
from helpdesk.web.forms import run_service
from helpdesk.web.pagination import paginate
from helpdesk.web.selection import back_to_queue
from tickets.selectors import ticket_get_for_user, tickets_by_reference

from . import selectors, services
from .forms import references as parse_references
from .forms import DecisionForm, LinkForm, ProblemForm, ProposalForm, ResolveForm, StatusForm, TicketProblemForm, WorkaroundForm
from .models import ChangeProposal, ProblemStatus


@agent_required
@require_GET
def problem_list(request):
    status = request.GET.get("status", "active")
    query = request.GET.get("q", "")[:200]
    page = paginate(request, selectors.problem_list(user=request.user, status=status, query=query))
    return render(request, "problems/problem_list.html", {
        "page": page, "status": status, "query": query, "statuses": ProblemStatus.choices,
        "may_work": services.may_work_problems(request.user)})


def _form_page(request, form, problem):
    return render(request, "problems/problem_form.html", {"form": form, "problem": problem},
                  status=400 if form.errors else 200)


@agent_required
def problem_new(request):
    services.require_problem_worker(request.user)
    form = ProblemForm(request.POST or None, owners=selectors.problem_owners(), with_tickets=True)
    if request.method == "POST" and form.is_valid():
        tickets, unknown = tickets_by_reference(user=request.user, references=form.references())
        if unknown:
            form.add_error("tickets", _("No such ticket: %(tickets)s.") % {"tickets": ", ".join(unknown)})
            return _form_page(request, form, None)
        problem = run_service(form, services.problem_create, actor=request.user, tickets=tickets, **form.problem_fields())
        if problem is not None:
            messages.success(request, _("The problem has been recorded."))
            return redirect("problems:detail", pk=problem.pk)
    return _form_page(request, form, None)


@agent_required
def problem_edit(request, pk):
    problem = selectors.problem_get(user=request.user, pk=pk)
    services.require_problem_worker(request.user)
    initial = {name: getattr(problem, name) for name in services.EDITABLE_FIELDS if name != "article"}
    form = ProblemForm(request.POST or None, initial=initial, owners=selectors.problem_owners())
    if request.method == "POST" and form.is_valid():
        if run_service(form, services.problem_update, problem=problem, actor=request.user, **form.problem_fields()):
            messages.success(request, _("The problem has been saved."))
            return redirect("problems:detail", pk=problem.pk)
    return _form_page(request, form, problem)


@agent_required
@require_GET
def problem_detail(request, pk):
    problem = selectors.problem_get(user=request.user, pk=pk)
    return render(request, "problems/problem_detail.html", _detail_context(request, problem))


def _detail_context(request, problem, **forms):
    may_work = services.may_work_problems(request.user)
    return {
        "problem": problem,
        "links": paginate(request, selectors.problem_links(problem=problem)),
        "timeline": selectors.problem_timeline(problem=problem),
        "proposals": selectors.problem_proposals(problem=problem),
        "broadcasts": selectors.problem_broadcasts(problem=problem),
        "may_work": may_work,
        "may_decide": services.may_decide_proposals(request.user),
        "status_form": forms.get("status_form") or StatusForm(initial={"status": problem.status}),
        "link_form": forms.get("link_form") or LinkForm(),
        "workaround_form": WorkaroundForm(initial={"hold": problem.hold_on_workaround}),
        "resolve_form": ResolveForm(initial={"solve": problem.solve_on_resolution}),
        "proposal_form": forms.get("proposal_form") or ProposalForm(),
        "decision_form": DecisionForm(),
    }


def _step(request, problem, call, success):
    """Run one step on the problem; a refusal is shown on the problem page."""
    try:
        call()
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, success)
    return redirect("problems:detail", pk=problem.pk)


@agent_required
@require_POST
def problem_status(request, pk):
    problem = selectors.problem_get(user=request.user, pk=pk)
    services.require_problem_worker(request.user)  # before the form: the refusal, not what it lacked
    form = StatusForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Choose a status."))
        return redirect("problems:detail", pk=problem.pk)
    return _step(request, problem, lambda: services.problem_change_status(
        problem=problem, actor=request.user, status=form.cleaned_data["status"]), _("The status has been changed."))


@agent_required
@require_POST
def problem_link(request, pk):
    problem = selectors.problem_get(user=request.user, pk=pk)
    form = LinkForm(request.POST)
    if form.is_valid():
        references = form.references()
        found, unknown = tickets_by_reference(user=request.user, references=references)
        if unknown:
            form.add_error("tickets", _("No such ticket: %(tickets)s.") % {"tickets": ", ".join(unknown)})
        elif run_service(form, services.problem_link_tickets, problem=problem, actor=request.user,
                         tickets=found) is not None:
            messages.success(request, _("The tickets have been linked."))
            return redirect("problems:detail", pk=problem.pk)
    return render(request, "problems/problem_detail.html", _detail_context(request, problem, link_form=form), status=400)


@agent_required
@require_POST
def problem_unlink(request, pk, reference):
    problem = selectors.problem_get(user=request.user, pk=pk)
    ticket = ticket_get_for_user(user=request.user, reference=reference)
    return _step(request, problem, lambda: services.problem_unlink_ticket(problem=problem, actor=request.user, ticket=ticket),
                 _("The ticket has been unlinked."))


@agent_required
@require_POST
def problem_workaround(request, pk):
    problem = selectors.problem_get(user=request.user, pk=pk)
    form = WorkaroundForm(request.POST)
    hold = form.is_valid() and form.cleaned_data["hold"]
    return _step(request, problem, lambda: services.problem_publish_workaround(problem=problem, actor=request.user, hold=hold),
                 _("The workaround is being sent to every linked open ticket."))


@agent_required
@require_POST
def problem_resolve(request, pk):
    problem = selectors.problem_get(user=request.user, pk=pk)
    form = ResolveForm(request.POST)
    solve = form.is_valid() and form.cleaned_data["solve"]
    return _step(request, problem, lambda: services.problem_resolve(problem=problem, actor=request.user, solve_tickets=solve),
                 _("The problem is resolved; its tickets are being answered."))


@agent_required
@require_POST
def proposal_new(request, pk):
    problem = selectors.problem_get(user=request.user, pk=pk)
    services.require_problem_worker(request.user)
    form = ProposalForm(request.POST)
    if form.is_valid() and run_service(form, services.proposal_create, problem=problem, actor=request.user,
                                       **form.cleaned_data) is not None:
        messages.success(request, _("The change has been proposed."))
        return redirect("problems:detail", pk=problem.pk)
    return render(request, "problems/problem_detail.html", _detail_context(request, problem, proposal_form=form), status=400)


def _proposal(request, pk, proposal_pk) -> ChangeProposal:
    problem = selectors.problem_get(user=request.user, pk=pk)
    proposal = problem.proposals.filter(pk=proposal_pk).first()
    if proposal is None:
        raise Http404
    return proposal


@agent_required
@require_POST
def proposal_decide(request, pk, proposal_pk):
    proposal = _proposal(request, pk, proposal_pk)
    if not services.may_decide_proposals(request.user):
        raise PermissionDenied(_("Only a tier lead or an admin decides change proposals."))
    form = DecisionForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Give the decision and its reason."))
        return redirect("problems:detail", pk=pk)
    return _step(request, proposal.problem, lambda: services.proposal_decide(
        proposal=proposal, actor=request.user, approve=form.cleaned_data["decision"] == "approve",
        reason=form.cleaned_data["reason"]), _("The proposal has been decided."))


@agent_required
@require_POST
def proposal_implemented(request, pk, proposal_pk):
    proposal = _proposal(request, pk, proposal_pk)
    return _step(request, proposal.problem, lambda: services.proposal_mark_implemented(proposal=proposal, actor=request.user),
                 _("The change is marked as implemented."))


@agent_required
@require_POST
def ticket_link(request, reference):
    """The ticket page's problem panel: link this ticket to the problem typed or picked."""
    ticket = ticket_get_for_user(user=request.user, reference=reference)
    form = TicketProblemForm(request.POST)
    problem = selectors.problem_by_reference(form.data.get("problem", "")) if form.is_valid() else None
    if problem is None:
        messages.error(request, _("No such problem. Give its number, e.g. PRB-00012."))
    else:
        try:
            services.problem_link_tickets(problem=problem, actor=request.user, tickets=[ticket])
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("The ticket has been linked to %(problem)s.") % {"problem": problem.reference})
    return redirect("agent:ticket", reference=ticket.reference)




@agent_required
@require_POST
def selection_link(request):
    """The queue's selection bar: link the ticked tickets to the problem typed or picked, all or none."""
    references = parse_references(" ".join(request.POST.getlist("tickets")))
    problem = selectors.problem_by_reference(request.POST.get("problem", ""))
    tickets, unknown = tickets_by_reference(user=request.user, references=references)
    if not references:
        messages.error(request, _("Tick the tickets to link first."))
    elif unknown:
        messages.error(request, _("No such ticket: %(tickets)s.") % {"tickets": ", ".join(unknown)})
    elif problem is None:
        messages.error(request, _("No such problem. Give its number, e.g. PRB-00012."))
    else:
        try:
            links = services.problem_link_tickets(problem=problem, actor=request.user, tickets=tickets)
        except (ValidationError, PermissionDenied) as error:
            text = " ".join(error.messages) if isinstance(error, ValidationError) else str(error)
            messages.error(request, _("Nothing was linked: %(reason)s") % {"reason": text})
        else:
            messages.success(request, ngettext("%(count)d ticket linked to %(problem)s.", "%(count)d tickets linked to %(problem)s.",
                                               len(links)) % {"count": len(links), "problem": problem.reference})
    return back_to_queue(request)


@agent_required
@require_POST
def selection_new(request):
    """The queue's selection bar: the form of a new problem, with the ticked tickets filled in."""
    services.require_problem_worker(request.user)
    references = parse_references(" ".join(request.POST.getlist("tickets")))
    if not references:
        messages.error(request, _("Tick the tickets to link first."))
        return back_to_queue(request)
    form = ProblemForm(owners=selectors.problem_owners(), with_tickets=True, initial={"tickets": " ".join(sorted(references)), "title": request.POST.get("title", "")[:200]})
    return _form_page(request, form, None)


@agent_required
@require_GET
def candidate_list(request):
    """Groups of recent tickets that may share a cause, for the 3rd level to confirm or dismiss."""
    services.require_problem_worker(request.user)
    return render(request, "problems/candidate_list.html", {
        "candidates": selectors.problem_candidates(), "problems": selectors.problems_to_link(),
        "days": settings.HELPDESK_PROBLEM_CANDIDATE_DAYS})


@agent_required
@require_POST
def candidate_dismiss(request):
    references = parse_references(" ".join(request.POST.getlist("tickets")))
    tickets, _unknown = tickets_by_reference(user=request.user, references=references)
    try:
        services.candidates_dismiss(actor=request.user, tickets=tickets)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Dismissed: these tickets are not proposed again."))
    return redirect("problems:candidates")
