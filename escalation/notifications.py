"""Mail for SLA warnings and escalations, each in its recipient's language."""

from django.conf import settings
from django.core.mail import send_mail
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _

from tickets.models import Profile

from .models import Notification
from .presenters import describe_notification


def send_notification_mails(notification_ids) -> int:
    sent = 0
    notifications = Notification.objects.filter(pk__in=notification_ids).select_related("recipient", "ticket")
    languages = dict(Profile.objects.filter(user__sla_notifications__pk__in=notification_ids).values_list("user_id", "language"))
    for notification in notifications:
        recipient = notification.recipient
        if not recipient.email:
            continue
        with translation.override(languages.get(recipient.pk, settings.LANGUAGE_CODE)):
            url = settings.HELPDESK_BASE_URL.rstrip("/") + reverse(
                "agent:ticket", kwargs={"reference": notification.ticket.reference}
            )
            subjects = {"warned": _("SLA warning: %(reference)s"), "reminder": _("Follow-up due: %(reference)s")}
            subject = subjects.get(notification.kind, _("SLA breach: %(reference)s")) % {
                "reference": notification.ticket.reference
            }
            body = f"{describe_notification(notification)}\n\n{notification.ticket.subject}\n{url}\n"
        send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [recipient.email])
        sent += 1
    return sent
