"""The customer portal: file a ticket, follow it, answer, mark it solved or reopen it."""

from django.contrib import messages
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from helpdesk import fragments
from helpdesk.web.decorators import customer_required
from helpdesk.web.forms import run_service
from helpdesk.web.pagination import paginate

from .. import selectors, services
from ..forms import ReplyForm, StatusForm, TicketCreateForm
from ..models import Status, Ticket
from ..signals import ticket_filed_in_portal
from ..presenters import draw_timeline


@customer_required
def ticket_list(request):
    page = paginate(request, selectors.customer_tickets(user=request.user))
    return render(request, "portal/ticket_list.html", {"page": page, "rows": list(page.object_list)})


@customer_required
def ticket_new(request):
    form = TicketCreateForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        ticket = run_service(
            form,
            services.ticket_create,
            requester=request.user,
            subject=data["subject"],
            description=data["description"],
            category=data["category"],
            attachments=data["attachments"],
        )
        if ticket is not None:
            ticket_filed_in_portal.send(sender=Ticket, ticket=ticket, user=request.user, data=request.POST)
            messages.success(
                request,
                _("Thank you! Your ticket has been registered under the reference %(reference)s.")
                % {"reference": ticket.reference},
            )
            return redirect("portal:ticket", reference=ticket.reference)
    return render(request, "portal/ticket_new.html", {"form": form})


def _detail(request, ticket, reply_form=None, status_error=None):
    timeline = fragments.CUSTOMER_TIMELINE.lazy(
        lambda: draw_timeline(list(selectors.ticket_timeline(ticket=ticket, user=request.user)), reader=request.user),
        ticket=ticket.pk, changed=ticket.updated_at.isoformat(), language=get_language(),
        lists=selectors.reference_lists().version, reader=request.user.pk,
    )
    return render(
        request,
        "portal/ticket_detail.html",
        {
            "ticket": ticket,
            "timeline": timeline,
            "reply_form": reply_form or ReplyForm(),
            "actions": services.ticket_actions(ticket, request.user),
            "status_error": status_error,
        },
        status=400 if (reply_form is not None and reply_form.errors) or status_error else 200,
    )


@customer_required
def ticket_detail(request, reference):
    ticket = selectors.ticket_get_for_user(user=request.user, reference=reference)
    return _detail(request, ticket)


@customer_required
@require_POST
def ticket_reply(request, reference):
    ticket = selectors.ticket_get_for_user(user=request.user, reference=reference)
    form = ReplyForm(request.POST, request.FILES)
    if form.is_valid() and run_service(
        form, services.ticket_reply, ticket=ticket, author=request.user,
        body=form.cleaned_data["body"], attachments=form.cleaned_data["attachments"],
    ):
        messages.success(request, _("Your reply has been sent."))
        return redirect("portal:ticket", reference=reference)
    return _detail(request, ticket, reply_form=form)


@customer_required
@require_POST
def ticket_status(request, reference):
    ticket = selectors.ticket_get_for_user(user=request.user, reference=reference)
    form = StatusForm(request.POST, statuses=services.allowed_statuses(ticket, request.user))
    if form.is_valid() and run_service(
        form, services.ticket_change_status, ticket=ticket, actor=request.user, status=form.cleaned_data["status"]
    ):
        if form.cleaned_data["status"] == Status.SOLVED:
            messages.success(request, _("Glad we could help! The ticket is marked as solved."))
        else:
            messages.success(request, _("The ticket has been reopened."))
        return redirect("portal:ticket", reference=reference)
    error = " ".join(str(e) for errors in form.errors.values() for e in errors)
    return _detail(request, ticket, status_error=error)
