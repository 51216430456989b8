"""Registering: the same answer for a new and a known address (tickets/registration.py), the account
opens with the link in the mail."""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.shortcuts import redirect, render
from django.utils import translation
from django.utils.translation import gettext as _

from helpdesk.web.forms import run_service

from .. import registration
from ..forms import RegistrationForm


def register(request):
    if request.user.is_authenticated:
        return redirect("home")
    form = RegistrationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        done = run_service(
            form, registration.registration_request,
            email=data["email"], password=data["password1"], first_name=data["first_name"],
            last_name=data["last_name"], language=translation.get_language() or settings.LANGUAGE_CODE,
            consent=data["consent"],
        )
        if done:
            return redirect("register_done")
    return render(request, "registration/register.html", {"form": form})


def register_done(request):
    return render(request, "registration/register_done.html")


def register_confirm(request, uidb64, token):
    """The link in the mail: a page with a button (a mail program that opens links does not open the
    account), the button opens it and logs the person in."""
    user = registration.user_for_link(uidb64, token)
    if user is None:
        return render(request, "registration/register_confirm.html", {"valid": False}, status=400)
    if request.method == "POST":
        user = registration.registration_confirm(uidb64=uidb64, token=token)
        if user is not None:
            login(request, user, backend="tickets.auth.EmailOrUsernameBackend")
            messages.success(request, _("Welcome! Your account has been created."))
            return redirect("portal:tickets")
    return render(request, "registration/register_confirm.html", {"valid": True, "email": user.email})
