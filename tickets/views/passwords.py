"""Changing or resetting a password ends the person's other sessions (helpdesk/sessions.py)."""

from django.contrib.auth import views as auth_views

from helpdesk import sessions

from ..forms import PasswordChangeForm, SetPasswordForm


class PasswordChangeView(auth_views.PasswordChangeView):
    """Django keeps the session the change was made in (update_session_auth_hash); every other one ends."""

    form_class = PasswordChangeForm

    def form_valid(self, form):
        response = super().form_valid(form)
        sessions.end_sessions(user=form.user, keep=self.request.session.session_key)
        sessions.remember(user=form.user, session_key=self.request.session.session_key)
        return response


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    """A reset by mail is for someone who may not hold the password any more: all sessions end."""

    form_class = SetPasswordForm

    def form_valid(self, form):
        response = super().form_valid(form)
        sessions.end_sessions(user=form.user)
        return response
