"""What the portal and the agent pages share: role checks, running a service for a form, paging."""

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import FileResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from .. import roles, selectors
from ..pagination import CappedCountPaginator

PAGE_SIZES = (10, 25, 50, 100)


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


def run_service(form, service, **kwargs):
    """Call a service with a valid form's data. A refusal becomes an error on the form, so the page
    shows it next to what the person typed and nothing is lost."""
    try:
        return service(**kwargs)
    except ValidationError as error:
        form.errors  # noqa: B018  (cleans the form first, so the error can be added to it)
        form.add_error(None, error)
        return None


def paginate(request, queryset, default_size=25):
    try:
        size = int(request.GET.get("size", default_size))
    except ValueError:
        size = default_size
    if size not in PAGE_SIZES:
        size = default_size
    paginator = CappedCountPaginator(queryset, size)
    return paginator.get_page(request.GET.get("page"))


@login_required
@require_GET
def attachment_download(request, pk):
    attachment = selectors.attachment_get_for_user(user=request.user, pk=pk)
    return FileResponse(attachment.file.open("rb"), as_attachment=True, filename=attachment.name)


def home(request):
    if not request.user.is_authenticated:
        return redirect("login")
    if roles.is_agent(request.user):
        return redirect("agent:queue")
    return redirect("portal:tickets")
