from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST
from django.views.i18n import set_language

from .. import services


@require_POST
def change_language(request):
    """Django's set_language, and the choice is kept in the profile so mails follow it too."""
    response = set_language(request)
    language = request.POST.get("language")
    if request.user.is_authenticated and language in dict(settings.LANGUAGES):
        services.profile_set_language(user=request.user, language=language)
    return response


@login_required
def api_token(request):
    """The person's own API token for integrations: shown, created or replaced (the old one stops
    working at once)."""
    if request.method == "POST":
        services.api_token_renew(user=request.user)
        messages.success(request, _("Your new API token is ready. The previous one no longer works."))
        return redirect("api_token")
    return render(request, "registration/api_token.html", {"token": services.api_token_for(request.user)})
