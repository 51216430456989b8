"""Mails to the customer about their ticket, written in the customer's language."""

from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import translation

from .models import EventKind, Profile, Status, TicketEvent


def _mail_kind(event: TicketEvent) -> str | None:
    if event.kind == EventKind.CREATED:
        return "created"
    if event.kind == EventKind.REPLY and event.data.get("author_role") == "agent":
        return "answered"
    if event.kind == EventKind.STATUS and event.data.get("to") == Status.SOLVED:
        return "solved"
    return None


def send_event_mail(event_id: int) -> bool:
    """Send the mail one event calls for. Returns False when the event calls for none."""
    event = TicketEvent.objects.select_related("ticket__requester", "actor").filter(pk=event_id).first()
    if event is None or not event.is_public:
        return False
    kind = _mail_kind(event)
    if kind is None:
        return False
    ticket = event.ticket
    requester = ticket.requester
    if not requester.email:
        return False
    language = Profile.objects.filter(user=requester).values_list("language", flat=True).first()
    with translation.override(language or settings.LANGUAGE_CODE):
        context = {
            "ticket": ticket,
            "event": event,
            "requester": requester,
            "url": settings.HELPDESK_BASE_URL.rstrip("/")
            + reverse("portal:ticket", kwargs={"reference": ticket.reference}),
        }
        subject = render_to_string(f"tickets/mail/{kind}_subject.txt", context).strip()
        body = render_to_string(f"tickets/mail/{kind}_body.txt", context)
    send_mail(subject, body, settings.DEFAULT_FROM_EMAIL, [requester.email])
    return True
