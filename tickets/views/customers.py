"""The 1st level's desk: register a case for a customer on the phone or at the desk, find a ticket by
the number a caller reads out, and look a customer up."""

from django.conf import settings
from django.contrib import messages
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from helpdesk.web.decorators import agent_required
from helpdesk.web.pagination import page_size, query_without

from .. import roles, selectors, services
from ..forms import AgentTicketForm, CustomerForm
from ..services import DuplicateCustomer


def _tiers_for(user):
    """The levels an agent may file at: their own first (the default), then the others."""
    tiers = selectors.reference_lists().tiers
    own = roles.agent_tier_ids(user)
    return sorted(tiers, key=lambda t: (t.pk not in own, t.level))


@agent_required
def ticket_new(request):
    tiers = _tiers_for(request.user)
    customer = None
    if request.method == "POST":
        form = AgentTicketForm(request.POST, request.FILES, tiers=tiers)
        if form.is_valid():
            ticket = _file(request, form)
            if ticket is not None:
                messages.success(request, _("Ticket %(reference)s registered. Give the customer this reference.")
                                 % {"reference": ticket.reference})
                return redirect("agent:ticket", reference=ticket.reference)
        if form.data.get("customer", "").isdigit():
            customer = selectors.customers().filter(pk=int(form.data["customer"])).first()
    else:
        initial = {"tier": tiers[0].pk if tiers else None}
        if request.GET.get("customer", "").isdigit():
            customer = selectors.customers().filter(pk=int(request.GET["customer"])).first()
            initial["customer"] = customer.pk if customer else None
        form = AgentTicketForm(initial=initial, tiers=tiers)
    return render(request, "agent/ticket_new.html", {"form": form, "customer": customer},
                  status=400 if form.is_bound else 200)


def _file(request, form):
    data = form.cleaned_data
    customer = None
    if data["customer"]:
        customer = selectors.customers().filter(pk=data["customer"]).first()
        if customer is None:
            form.add_error(None, _("This customer no longer exists; please search again."))
            return None
    new_customer = None if customer else {
        "name": data["new_name"], "email": data["new_email"], "phone": data["new_phone"],
        "organisation": data["new_organisation"], "language": data["new_language"] or settings.LANGUAGE_CODE,
    }
    tier = next((t for t in selectors.tiers() if t.pk == data["tier"]), None) if data["tier"] else None
    try:
        return services.ticket_file_for_customer(
            actor=request.user, customer=customer, new_customer=new_customer,
            subject=data["subject"], description=data["description"], category=data["category"],
            priority=data["priority"], tier=tier, channel=data["channel"], notify=data["notify"],
            solution=data["solution"] if data["solved_at_once"] else "", attachments=data["attachments"],
        )
    except DuplicateCustomer as duplicate:
        form.add_error(None, duplicate)
        form.duplicate = duplicate.customer
    except services.ValidationError as error:
        form.add_error(None, error)
    return None


@agent_required
def customer_search(request):
    """The results while the agent types (htmx), also a page of its own without JavaScript."""
    found = selectors.customer_search(user=request.user, query=request.GET.get("q", ""))
    template = "agent/includes/customer_results.html" if request.headers.get("HX-Request") else "agent/customer_search.html"
    return render(request, template, {"customers": found, "query": request.GET.get("q", ""),
                                      "pick": request.GET.get("pick") == "1"})


@agent_required
def quick_find(request):
    query = request.GET.get("q", "")
    result = selectors.quick_find(user=request.user, query=query)
    if result.ticket is not None:
        return redirect("agent:ticket", reference=result.ticket.reference)
    return render(request, "agent/quick_find.html", {"query": query, "result": result})


@agent_required
def customer_detail(request, pk):
    customer = selectors.customer_get_for_agent(user=request.user, pk=pk)
    profile = getattr(customer, "profile", None)
    if request.method == "POST":
        form = CustomerForm(request.POST)
        if form.is_valid():
            try:
                services.customer_update(actor=request.user, customer=customer, **form.cleaned_data)
            except DuplicateCustomer as duplicate:
                form.add_error("email", duplicate)
            except services.ValidationError as error:
                form.add_error(None, error)
            else:
                messages.success(request, _("The customer's data has been saved."))
                return redirect(reverse("agent:customer", args=[customer.pk]))
    else:
        form = CustomerForm(initial={
            "name": customer.get_full_name(), "email": customer.email,
            "phone": profile.phone if profile else "", "language": profile.language if profile else "de",
            "organisation": profile.organisation.name if profile and profile.organisation else "",
            "notes": profile.notes if profile else "",
        })
    # Two lists, each paged on its own (`open_page`, `page`); `size` applies to both.
    tickets = selectors.customer_ticket_overview(customer=customer, page=request.GET.get("page"),
                                                 open_page=request.GET.get("open_page"), size=page_size(request))
    return render(request, "agent/customer_detail.html", {
        "customer": customer, "profile": profile, "form": form, "open_tickets": tickets.open_tickets,
        "earlier_tickets": tickets.earlier, "open_query": query_without(request, "open_page"),
        "earlier_query": query_without(request, "page"),
    }, status=400 if form.is_bound else 200)
