from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from tickets import selectors as ticket_selectors
from helpdesk.web.decorators import agent_required

from . import reminders, selectors, services
from .forms import ReminderForm


@agent_required
def notifications(request):
    page = Paginator(selectors.notifications_for(request.user), 25).get_page(request.GET.get("page"))
    return render(request, "escalation/notifications.html", {"page": page})


@agent_required
@require_POST
def notifications_read(request):
    services.notifications_mark_read(user=request.user)
    return redirect("notifications")


@agent_required
@require_POST
def reminder_set(request, reference):
    ticket = ticket_selectors.ticket_get_for_user(user=request.user, reference=reference)
    form = ReminderForm(request.POST)
    if form.is_valid():
        try:
            reminder = reminders.reminder_set(ticket=ticket, actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("The ticket comes back to the queue on %(due)s.") % {
                "due": date_format(timezone.localtime(reminder.due_at), "SHORT_DATETIME_FORMAT")})
    else:
        messages.error(request, " ".join(f"{form.fields[name].label}: {' '.join(errors)}" for name, errors in form.errors.items()))
    return redirect("agent:ticket", reference=ticket.reference)
