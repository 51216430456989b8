"""Pages of tickets that belong to neither side: the start page and attachment downloads."""

from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect
from django.views.decorators.http import require_GET

from .. import filetypes, roles, selectors


@login_required
@require_GET
def attachment_download(request, pk):
    attachment = selectors.attachment_get_for_user(user=request.user, pk=pk)
    return filetypes.download_response(attachment)


def home(request):
    if not request.user.is_authenticated:
        return redirect("login")
    if roles.is_agent(request.user):
        return redirect("agent:queue")
    return redirect("portal:tickets")
