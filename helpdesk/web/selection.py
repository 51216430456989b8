"""What the queue's bar of actions on the ticked tickets shares, whichever app offers the action:
reading the ticked references, going back to the queue as it was, and saying what became of each."""

from django.contrib import messages
from django.shortcuts import redirect
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.utils.translation import ngettext


def ticked_references(request) -> list[str]:
    return list(dict.fromkeys(r.strip().upper() for r in request.POST.getlist("tickets") if r.strip()))


def back_to_queue(request):
    target = request.POST.get("next", "")
    if not url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()}, require_https=request.is_secure()):
        target = "agent:queue"
    return redirect(target)


def report_outcomes(request, outcomes, missing=()) -> None:
    """One message for the tickets changed, one for those that already were so, one per refusal
    with its reason, one per reference that names no ticket the user may see."""
    done = [o for o in outcomes if o.done and o.changed]
    if done:
        messages.success(request, ngettext("%(count)d ticket changed.", "%(count)d tickets changed.", len(done))
                         % {"count": len(done)})
    unchanged = [o for o in outcomes if o.done and not o.changed]
    if unchanged:
        messages.info(request, ngettext("%(count)d ticket already was that way.", "%(count)d tickets already were that way.",
                                        len(unchanged)) % {"count": len(unchanged)})
    for outcome in outcomes:
        if not outcome.done:
            messages.error(request, _("%(reference)s not changed: %(reason)s")
                           % {"reference": outcome.reference, "reason": outcome.message})
    for reference in missing:
        messages.error(request, _("%(reference)s: no such ticket.") % {"reference": reference})
