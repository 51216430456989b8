"""The text module pages: the list with its search, the form, and the picker the reply box asks
(`::` in the reply, macros/static/macros/picker.js). Views parse input, call a service or a selector
and render."""

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, JsonResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from helpdesk.web.decorators import agent_required
from helpdesk.web.forms import run_service
from helpdesk.web.selection import back_to_queue, report_outcomes, ticked_references
from tickets.selectors import ticket_get_for_user, tickets_by_reference
from tickets.services import BULK_MAX_TICKETS

from . import selectors, services
from .forms import MacroForm
from .models import Macro


def _get(request, pk) -> Macro:
    try:
        return selectors.macro_get(user=request.user, pk=pk)
    except Macro.DoesNotExist:
        raise Http404 from None


@agent_required
@require_GET
def macro_list(request):
    query = request.GET.get("q", "")[:200]
    macros = selectors.macro_list(user=request.user, query=query)
    rows = [(m, selectors.macro_changes(m), selectors.may_manage(request.user, m)) for m in macros]
    return render(request, "macros/macro_list.html", {"rows": rows, "query": query})


def _form_page(request, form, macro):
    return render(request, "macros/macro_form.html", {"form": form, "macro": macro},
                  status=400 if form.errors else 200)


@agent_required
def macro_new(request):
    form = MacroForm(request.POST or None, user=request.user)
    if request.method == "POST" and form.is_valid():
        if run_service(form, services.macro_create, actor=request.user, **form.cleaned_data):
            messages.success(request, _("The text module has been saved."))
            return redirect("macros:list")
    return _form_page(request, form, None)


@agent_required
def macro_edit(request, pk):
    macro = _get(request, pk)
    services.require_may_manage(request.user, macro)
    initial = {name: getattr(macro, name) for name in services.FIELDS}
    form = MacroForm(request.POST or None, initial=initial, user=request.user)
    if request.method == "POST" and form.is_valid():
        if run_service(form, services.macro_update, macro=macro, actor=request.user, **form.cleaned_data):
            messages.success(request, _("The text module has been saved."))
            return redirect("macros:list")
    return _form_page(request, form, macro)


@agent_required
@require_POST
def macro_delete(request, pk):
    services.macro_delete(macro=_get(request, pk), actor=request.user)
    messages.success(request, _("The text module has been deleted."))
    return redirect("macros:list")


@agent_required
@require_GET
def macro_picker(request, reference):
    """The modules matching what the agent typed after `::`, with their text for this ticket."""
    ticket = ticket_get_for_user(user=request.user, reference=reference, related=("requester__profile", "tier"))
    macros = selectors.macro_list(user=request.user, query=request.GET.get("q", "")[:100],
                                  limit=selectors.PICKER_LIMIT)
    return JsonResponse({"macros": [
        {"id": m.pk, "title": str(m), "text": selectors.macro_text_for_ticket(m, ticket=ticket, agent=request.user),
         "changes": selectors.macro_changes(m)}
        for m in macros]})


@agent_required
@require_POST
def selection_apply(request):
    """The queue bar: the chosen text module on every ticked ticket, each reported."""
    references = ticked_references(request)[:BULK_MAX_TICKETS + 1]
    raw = request.POST.get("macro", "")
    macro = selectors.macros_usable_by(request.user).filter(pk=int(raw)).first() if raw.isdigit() else None
    if macro is None:
        messages.error(request, _("Choose the text module to send."))
        return back_to_queue(request)
    tickets, missing = tickets_by_reference(user=request.user, references=references,
                                            related=("requester__profile", "tier", "assignee"))
    try:
        outcomes = services.macro_apply_to_many(macro=macro, tickets=tickets, agent=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        report_outcomes(request, outcomes, missing=missing)
    return back_to_queue(request)
