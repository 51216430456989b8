"""The agent workspace: the queue of a tier and the ticket page with every action an agent takes."""

from functools import partial

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.template.loader import render_to_string
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from helpdesk import fragments
from helpdesk.forms import style_form
from helpdesk.web.decorators import agent_required
from helpdesk.web.forms import run_service
from helpdesk.web.pagination import PAGE_SIZES, paginate
from helpdesk.web.selection import back_to_queue, report_outcomes, ticked_references

from .. import selectors, services
from ..forms import AgentReplyForm, CallForm, AssignForm, CategoryForm, NoteForm, PriorityForm, SendBackForm, StatusForm, EscalateForm
from ..models import Category, Priority, Status, Ticket
from ..signals import agent_queue_page, agent_reply_submitted, agent_ticket_page, reply_draft_requested
from ..presenters import draw_timeline


@agent_required
def queue(request):
    ticket_filter = selectors.agent_queue(user=request.user, params=request.GET)
    style_form(ticket_filter.form)
    if ticket_filter.is_valid():
        page = paginate(request, ticket_filter.qs)
    else:
        page = paginate(request, ticket_filter.queryset.none())
    query = request.GET.copy()
    query.pop("page", None)
    query = query.urlencode()
    filter_form = fragments.QUEUE_FILTER.lazy(
        partial(render_to_string, "agent/includes/queue_filter.html",
                {"filter": ticket_filter, "page": page, "page_sizes": PAGE_SIZES}),
        query=query, page_size=page.paginator.per_page, language=get_language(),
        lists=selectors.reference_lists().version,
    )
    # The tickets app's own changes first, then what other apps add (problems: link to a problem).
    lists = selectors.reference_lists()
    bulk = {"template": "agent/includes/queue_bulk.html", "statuses": [(s, Status(s).label) for s in Status.values if s != Status.NEW],
            "priorities": Priority.choices, "categories": lists.active_categories, "agents": lists.agents}
    selection_actions = [bulk, *(part for _receiver, part in agent_queue_page.send(sender=Ticket, user=request.user) if part)]
    return render(
        request,
        "agent/queue.html",
        {"filter": ticket_filter, "filter_form": filter_form, "page": page, "query": query,
         "rows": selectors.queue_rows(page.object_list), "selection_actions": selection_actions},
        status=200 if ticket_filter.is_valid() else 400,
    )


BULK_BUTTONS = ("apply", "take", "escalate", "send_back")


def _bulk_changes(post) -> dict:
    """The queue bar's fields as the changes of tickets.services.ticket_bulk_change."""
    from django.contrib.auth import get_user_model

    button = post.get("change", "apply")
    if button not in BULK_BUTTONS:
        raise ValidationError(_("Unknown change."))
    if button == "take":
        return {"take": True}
    if button in ("escalate", "send_back"):
        return {button: post.get("reason", "")}
    changes = {}
    if post.get("status"):
        changes["status"] = post["status"]
    if post.get("priority", "").isdigit():
        changes["priority"] = int(post["priority"])
    category = post.get("category", "")
    if category == "none":
        changes["category"] = None
    elif category.isdigit():
        changes["category"] = Category.objects.filter(pk=int(category)).first()
        if changes["category"] is None:
            raise ValidationError(_("No such category."))
    assignee = post.get("assignee", "")
    if assignee == "none":
        changes["assignee"] = None
    elif assignee.isdigit():
        changes["assignee"] = get_user_model().objects.filter(pk=int(assignee), is_active=True).first()
        if changes["assignee"] is None:
            raise ValidationError(_("No such agent."))
    return changes


@agent_required
@require_POST
def queue_bulk(request):
    """The queue bar: the same changes on every ticked ticket; what was done and what was refused
    (and why) is reported per ticket."""
    tickets, missing = selectors.tickets_by_reference(
        user=request.user, references=ticked_references(request)[:services.BULK_MAX_TICKETS + 1],
        related=selectors.AGENT_PAGE_RELATED)
    try:
        outcomes = services.ticket_bulk_change(actor=request.user, tickets=tickets, changes=_bulk_changes(request.POST))
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        report_outcomes(request, outcomes, missing=missing)
    return back_to_queue(request)


def _make_form(action, request, ticket, bound=False):
    """The form of one action on the ticket page, blank or bound to the POST. Each form gets its
    own id prefix: several share the page, and every label must point at its own field."""
    args = (request.POST, request.FILES) if bound else ()
    auto_id = f"id_{action}_%s"
    if action == "reply":
        return AgentReplyForm(*args, statuses=services.allowed_statuses(ticket, request.user), auto_id=auto_id)
    if action == "status":
        return StatusForm(*args, statuses=services.allowed_statuses(ticket, request.user), auto_id=auto_id)
    if action == "assign":
        return AssignForm(*args, tier=ticket.tier, auto_id=auto_id, initial={"assignee": ticket.assignee_id})
    initial = {"priority": ticket.priority, "category": ticket.category_id}
    form_class = {"note": NoteForm, "call": CallForm, "priority": PriorityForm, "category": CategoryForm,
                  "escalate": EscalateForm, "send_back": SendBackForm}[action]
    return form_class(*args, auto_id=auto_id, initial=initial)


def _blank_form(action, request, ticket, lists_version):
    """A blank action form as the page shows it, drawn once per process for each state that shapes
    it and then reused: the eight forms of the ticket page cost more to build and draw than the
    rest of the page. The template only prints it."""
    return fragments.TICKET_ACTION_FORM.lazy(
        partial(_make_form, action, request, ticket),
        action=action, language=get_language(), lists=lists_version, status=ticket.status,
        priority=ticket.priority, category=ticket.category_id, tier=ticket.tier_id, assignee=ticket.assignee_id,
    )


def _render_ticket(request, ticket, bound=None, action=None, reply_body=""):
    lists_version = selectors.reference_lists().version
    forms = {name: _blank_form(name, request, ticket, lists_version) for name in ACTIONS}
    if reply_body:
        forms["reply"] = _make_form("reply", request, ticket)
        forms["reply"].initial["body"] = reply_body
    if bound is not None:
        forms[action] = bound
    # What other apps show on the page (the SLA panel), read by them now, not by template tags.
    actions = services.ticket_actions(ticket, request.user)
    extras = {}
    for _receiver, part in agent_ticket_page.send(sender=Ticket, ticket=ticket, user=request.user):
        extras.update(part or {})
    return render(
        request,
        "agent/ticket_detail.html",
        {
            **extras,
            "ticket": ticket,
            "timeline": fragments.AGENT_TIMELINE.lazy(
                lambda: draw_timeline(list(selectors.ticket_timeline(ticket=ticket, user=request.user)), for_agents=True),
                ticket=ticket.pk, changed=ticket.updated_at.isoformat(), language=get_language(), lists=lists_version,
            ),
            "forms": forms,
            "actions": actions,
            "failed_action": action,
            "active_tab": action if action in ("note", "call") else ("reply" if actions.reply else "note"),
            "collaborators": selectors.ticket_collaborators(ticket=ticket),
        },
        status=400 if bound is not None else 200,
    )


@agent_required
def ticket_detail(request, reference):
    ticket = selectors.ticket_get_for_user(user=request.user, reference=reference, related=selectors.AGENT_PAGE_RELATED)
    # Another app may start the reply (the knowledge base's "use in reply" on an article).
    drafts = reply_draft_requested.send(sender=Ticket, ticket=ticket, user=request.user, params=request.GET)
    reply_body = next((text for _receiver, text in drafts if text), "")
    return _render_ticket(request, ticket, reply_body=reply_body)


def _reply(request, ticket, data):
    reply = {"body": data["body"], "attachments": data["attachments"], "status": data["status"]}
    for _receiver, handled in agent_reply_submitted.send(sender=Ticket, ticket=ticket, user=request.user,
                                                         data=request.POST, reply=reply):
        if handled is not None:
            return handled
    return services.ticket_reply(
        ticket=ticket, author=request.user, body=data["body"], attachments=data["attachments"],
        status=data["status"] or None,
    )


def _note(request, ticket, data):
    return services.ticket_add_note(ticket=ticket, author=request.user, body=data["body"], attachments=data["attachments"])


def _call(request, ticket, data):
    return services.ticket_log_call(ticket=ticket, actor=request.user, **data)


def _status(request, ticket, data):
    return services.ticket_change_status(ticket=ticket, actor=request.user, status=data["status"])


def _priority(request, ticket, data):
    return services.ticket_change_priority(ticket=ticket, actor=request.user, priority=data["priority"])


def _assign(request, ticket, data):
    return services.ticket_assign(ticket=ticket, actor=request.user, assignee=data["assignee"])


def _category(request, ticket, data):
    return services.ticket_change_category(ticket=ticket, actor=request.user, category=data["category"])


def _escalate(request, ticket, data):
    return services.ticket_escalate(ticket=ticket, actor=request.user, reason=data["reason"])


def _send_back(request, ticket, data):
    return services.ticket_send_back(ticket=ticket, actor=request.user, reason=data["reason"])


# action -> (the service call, the message on success)
ACTIONS = {
    "reply": (_reply, lambda: _("Your reply has been sent to the customer.")),
    "note": (_note, lambda: _("The internal note has been added.")),
    "call": (_call, lambda: _("The phone call has been recorded.")),
    "status": (_status, lambda: _("The status has been changed.")),
    "priority": (_priority, lambda: _("The priority has been changed.")),
    "assign": (_assign, lambda: _("The assignment has been changed.")),
    "category": (_category, lambda: _("The category has been changed.")),
    "escalate": (_escalate, lambda: _("The ticket has been escalated.")),
    "send_back": (_send_back, lambda: _("The ticket has been sent back.")),
}


@agent_required
@require_POST
def ticket_action(request, reference, action):
    if action not in ACTIONS:
        raise Http404
    ticket = selectors.ticket_get_for_user(user=request.user, reference=reference)
    call, success = ACTIONS[action]
    form = _make_form(action, request, ticket, bound=True)
    if form.is_valid() and run_service(form, call, request=request, ticket=ticket, data=form.cleaned_data):
        messages.success(request, success())
        return redirect("agent:ticket", reference=reference)
    return _render_ticket(request, ticket, bound=form, action=action)


@agent_required
@require_GET
def customer_tickets_panel(request, reference):
    """The requester's other tickets beside the ticket page, loaded after it (htmx), so the page
    itself reads nothing more."""
    ticket = selectors.ticket_get_for_user(user=request.user, reference=reference, related=("requester",))
    return render(request, "agent/includes/customer_tickets_panel.html",
                  {"ticket": ticket, "others": selectors.customer_other_tickets(ticket=ticket)})


@agent_required
@require_POST
def ticket_take(request, reference):
    ticket = selectors.ticket_get_for_user(user=request.user, reference=reference)
    try:
        services.ticket_take(ticket=ticket, agent=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("You have taken the ticket."))
    return redirect("agent:ticket", reference=reference)
