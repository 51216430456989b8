"""Who may open a page: agents, customers (agents are sent to their workspace), admins."""

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.shortcuts import redirect
from django.utils.translation import gettext as _

from tickets import roles


def agent_required(view):
    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if not roles.is_agent(request.user):
            raise PermissionDenied(_("This page is for support agents."))
        return view(request, *args, **kwargs)

    return wrapper


def customer_required(view):
    """Portal pages. An agent who lands here is sent to the agent workspace instead."""

    @login_required
    @wraps(view)
    def wrapper(request, *args, **kwargs):
        if roles.is_agent(request.user):
            reference = kwargs.get("reference")
            if reference:
                return redirect("agent:ticket", reference=reference)
            return redirect("agent:queue")
        return view(request, *args, **kwargs)

    return wrapper
