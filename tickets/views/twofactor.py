"""Pages of the second factor: enrolment and its settings, the verify step after the password."""

from urllib.parse import quote

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.cache import never_cache

from helpdesk.forms import StyledForm
from helpdesk.web.forms import run_service

from .. import twofactor


class CodeForm(StyledForm):
    code = forms.CharField(
        label=gettext_lazy("Code"), max_length=32, strip=True,
        widget=forms.TextInput(attrs={"autocomplete": "one-time-code", "inputmode": "text", "autofocus": True}),
    )


def _next_url(request, default="home"):
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, allowed_hosts={request.get_host()},
                                                  require_https=request.is_secure()):
        return target
    return default


@never_cache
@login_required
def verify(request):
    if request.method == "GET":
        # Asked afresh: an admin may have removed the device (a lost phone) since the login.
        twofactor.remember_device(request.session, request.user)
    if twofactor.pending_step(request) != "verify":
        return redirect(_next_url(request))
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if run_service(form, twofactor.verify, request=request, code=form.cleaned_data["code"]) is not None:
            return redirect(_next_url(request))
    return render(request, "registration/two_factor_verify.html",
                  {"form": form, "next": request.POST.get("next") or request.GET.get("next", "")})


@never_cache
@login_required
def manage(request):
    """Enrol (QR code, manual key, confirm with a code), then: new recovery codes, or turn it off."""
    user = request.user
    if not twofactor.applies_to(user):
        messages.info(request, _("Two-factor authentication is for agents and administrators."))
        return redirect("home")
    if twofactor.pending_step(request) == "verify":
        # Enrolled, but this session has not passed the second step: no new device without it.
        return redirect(f"{reverse('two_factor_verify')}?next={quote(request.path)}")
    device = twofactor.totp_device(user)
    if device is None:
        return _enrol(request)
    action = request.POST.get("action") if request.method == "POST" else None
    if action == "recovery":
        codes = twofactor.recovery_codes_renew(user=user)
        return render(request, "registration/two_factor_codes.html", {"codes": codes})
    if action == "disable":
        try:
            twofactor.disable(request=request)
        except (ValidationError, PermissionDenied) as error:  # shown, nothing changed
            messages.error(request, " ".join(getattr(error, "messages", None) or [str(error)]))
        else:
            messages.success(request, _("Two-factor authentication is turned off."))
        return redirect("two_factor")
    return render(request, "registration/two_factor.html", {
        "device": device, "codes_left": twofactor.recovery_codes_left(user),
        "required": twofactor.is_required(user),
    })


def _enrol(request):
    device = twofactor.enrolment_device(request.user)
    form = CodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        codes = run_service(form, twofactor.enrolment_confirm, request=request, device=device,
                            code=form.cleaned_data["code"])
        if codes is not None:
            messages.success(request, _("Two-factor authentication is on."))
            return render(request, "registration/two_factor_codes.html",
                          {"codes": codes, "next": _next_url(request, default="")})
    return render(request, "registration/two_factor_enrol.html", {
        "form": form, "qr_code": mark_safe(twofactor.qr_code_svg(device)),  # noqa: S308 - drawn by qrcode, no input
        "manual_key": twofactor.manual_key(device), "required": twofactor.is_required(request.user),
        "next": request.POST.get("next") or request.GET.get("next", ""),
    })
