"""Agent pages of the mail channel: a mail as it arrived, and its raw .eml."""

from django.http import HttpResponse
from django.shortcuts import render

from helpdesk.web.decorators import agent_required

from . import selectors


@agent_required
def inbound_original(request, pk):
    inbound = selectors.inbound_get_for_agent(user=request.user, pk=pk)
    return render(request, "mailchannel/original.html", {"original": selectors.original_mail(inbound=inbound)})


@agent_required
def inbound_raw(request, pk):
    inbound = selectors.inbound_get_for_agent(user=request.user, pk=pk)
    with inbound.raw.open("rb") as handle:
        response = HttpResponse(handle.read(), content_type="message/rfc822")
    response["Content-Disposition"] = f'attachment; filename="mail-{inbound.pk}.eml"'
    response["X-Content-Type-Options"] = "nosniff"
    return response
