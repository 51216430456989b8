"""The privacy notice and the customer's own data in the portal: download it, ask for its erasure."""

from django.conf import settings
from django.contrib import messages
from django.http import FileResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from helpdesk.web.decorators import customer_required

from . import selectors, services


def notice(request):
    """The helpdesk's own privacy notice, unless the operator publishes theirs (HELPDESK_PRIVACY_URL)."""
    if settings.HELPDESK_PRIVACY_URL:
        return redirect(settings.HELPDESK_PRIVACY_URL)
    return render(request, "privacy/notice.html", {"retention_days": settings.HELPDESK_RETENTION_DAYS})


@customer_required
def my_data(request):
    return render(request, "privacy/my_data.html", {"pending": selectors.pending_request(request.user)})


@customer_required
def my_data_export(request):
    archive = services.export_person(person=request.user, actor=request.user)
    return FileResponse(archive, as_attachment=True, filename=services.export_filename(request.user),
                        content_type="application/zip")


@customer_required
@require_POST
def my_data_erasure(request):
    from django.core.exceptions import ValidationError

    try:
        services.request_erasure(person=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, _("Your request has been recorded. An admin will erase your data and your "
                                    "account; you will not be able to log in afterwards."))
    return redirect("privacy_account")
