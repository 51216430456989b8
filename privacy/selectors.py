"""Reads of personal data: a person's tickets and conversation for the export, the tickets whose
retention period is over, the requests waiting for an admin."""

from datetime import timedelta

from django.conf import settings
from django.db.models import Count, Q
from django.db.models.functions import Coalesce
from django.utils import timezone

from tickets.models import Attachment, Status, Ticket, TicketEvent

from .models import ErasureRequest, RequestStatus, RetentionPolicy


def person_tickets(person):
    return Ticket.objects.filter(requester=person).select_related("category", "organisation").order_by("created_at", "id")


def public_conversation(ticket_ids):
    """The entries a customer sees on their tickets, oldest first, with their authors."""
    return (TicketEvent.objects.filter(ticket_id__in=ticket_ids, is_public=True)
            .select_related("actor").order_by("ticket_id", "created_at", "id"))


def exported_attachments(person, ticket_ids):
    """The files of the person's public conversation and the files they uploaded anywhere."""
    return (Attachment.objects.filter(Q(ticket_id__in=ticket_ids, event__is_public=True) | Q(uploaded_by=person))
            .select_related("ticket").order_by("id"))


def retention_due(*, now=None):
    """Closed tickets whose retention period is over and that are not anonymised yet: an
    organisation's own period (RetentionPolicy) or HELPDESK_RETENTION_DAYS, counted from when the
    ticket was solved (or last changed, for a ticket closed without being solved)."""
    now = now or timezone.now()
    policies = dict(RetentionPolicy.objects.values_list("organisation_id", "days"))
    due = Q(closed_since__lt=now - timedelta(days=settings.HELPDESK_RETENTION_DAYS)) & ~Q(organisation_id__in=policies)
    for organisation_id, days in policies.items():
        due |= Q(organisation_id=organisation_id, closed_since__lt=now - timedelta(days=days))
    return (Ticket.objects.alias(closed_since=Coalesce("solved_at", "updated_at"))
            .filter(status=Status.CLOSED, anonymised__isnull=True).filter(due))


def retention_dry_run(*, now=None) -> dict:
    """What the next retention run would anonymise: the total and the count per organisation."""
    due = retention_due(now=now)
    by_organisation = list(due.order_by().values("organisation__name").annotate(count=Count("id"))
                           .order_by("organisation__name"))
    return {"total": sum(row["count"] for row in by_organisation), "by_organisation": by_organisation}


def pending_request(person):
    return ErasureRequest.objects.filter(person=person, status=RequestStatus.PENDING).first()
