"""Personal data under the GDPR: export (Art. 15/20), erasure (Art. 17), retention, requests.

Erasure anonymises; it deletes no ticket. What a person is and wrote goes: their account's name,
address, username, phone and notes; the texts of their tickets (subject, description, every entry of
the conversation) and every text they wrote on other tickets; the addresses, subjects and raw files of
their mail; their attachments (rows and files). What stays is what statistics and the SLA history
need: the tickets' references, dates, statuses, categories, priorities, tiers, clocks and events
(with their texts replaced). Then every text column of every table is searched for what would still
name the person (address, username, full name, phone) and that is replaced as well.

The timeline is append-only for the application; erasure is the one exception the law makes.
"""

from __future__ import annotations

import json
import re
import shutil
import tempfile
import zipfile
from datetime import timedelta

from django.apps import apps
from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.serializers.json import DjangoJSONEncoder
from django.db import models, transaction
from django.db.models import F, Q
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext as _

from escalation.models import Notification, Reminder
from knowledgebase.models import Deflection, Review, SearchLog
from mailchannel.models import InboundMessage, OutboundMessage, UndeliverableAddress
from tickets import roles
from tickets.models import Attachment, Collaborator, CustomerSearchEntry, Profile, Ticket, TicketEvent

from . import selectors
from .models import AnonymisedTicket, ErasureReason, ErasureRecord, ErasureRequest, PendingSweep, RequestStatus

User = get_user_model()

# What replaces a text. Stored once and shown to every reader, so it is in both languages.
REPLACED = "[anonymisiert · anonymised]"
ANONYMISED_MAIL = b"Subject: [anonymisiert / anonymised]\r\nContent-Type: text/plain; charset=utf-8\r\n\r\n[anonymisiert / anonymised]\r\n"


# --- export ------------------------------------------------------------------------------------------


def _require_self_or_admin(person, actor):
    if actor is None or not (actor.pk == person.pk or roles.is_admin(actor)):
        raise PermissionDenied(_("Only the person themselves or an admin may do this."))


def _iso(moment):
    return moment.isoformat() if moment else None


def export_filename(person) -> str:
    return f"personal-data-{person.pk}-{timezone.localdate():%Y-%m-%d}.zip"


def export_person(*, person, actor):
    """The person's data as a ZIP in a temporary file (rewound, to be streamed and closed by the
    caller): data.json (profile, tickets with their public conversation, mail, requests) and the
    attachment files under attachments/. Files are copied in chunks, never held in memory whole."""
    _require_self_or_admin(person, actor)
    profile = Profile.objects.filter(user=person).select_related("organisation").first()
    tickets = list(selectors.person_tickets(person))
    ticket_ids = [t.pk for t in tickets]
    conversation: dict[int, list] = {}
    for event in selectors.public_conversation(ticket_ids):
        conversation.setdefault(event.ticket_id, []).append({
            "at": _iso(event.created_at), "kind": event.kind, "channel": event.channel,
            "by_you": event.actor_id == person.pk,
            "author": (event.actor.get_full_name() or event.actor.get_username()) if event.actor else None,
            "text": event.body,
        })
    attachments = list(selectors.exported_attachments(person, ticket_ids))
    data = {
        "exported_at": _iso(timezone.now()),
        "account": {
            "id": person.pk, "username": person.get_username(), "email": person.email,
            "first_name": person.first_name, "last_name": person.last_name,
            "date_joined": _iso(person.date_joined), "last_login": _iso(person.last_login),
        },
        "profile": {
            "language": profile.language, "phone": profile.phone,
            "organisation": profile.organisation.name if profile.organisation else None,
            "privacy_consent_at": _iso(profile.privacy_consent_at),
        } if profile else None,
        "tickets": [{
            "reference": t.reference, "subject": t.subject, "description": t.description, "status": t.status,
            "priority": t.priority, "category": t.category.name if t.category else None, "channel": t.channel,
            "created_at": _iso(t.created_at), "solved_at": _iso(t.solved_at),
            "conversation": conversation.get(t.pk, []),
        } for t in tickets],
        "attachments": [{
            "ticket": a.ticket.reference, "name": a.name, "size": a.size, "content_type": a.content_type,
            "uploaded_at": _iso(a.created_at), "file": _zip_name(a),
        } for a in attachments],
        "mail_received": [{
            "received_at": _iso(m.received_at), "from": m.from_address, "subject": m.subject,
        } for m in InboundMessage.objects.alias(sender=Lower("from_address")).filter(sender=person.email.lower())
            .order_by("received_at")]
        if person.email else [],
        "erasure_requests": [{"asked_at": _iso(r.created_at), "status": r.status}
                             for r in ErasureRequest.objects.filter(person=person)],
    }
    handle = tempfile.TemporaryFile()
    with zipfile.ZipFile(handle, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("data.json", json.dumps(data, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2))
        for attachment in attachments:
            if not attachment.file or not default_storage.exists(attachment.file.name):
                continue
            with attachment.file.open("rb") as source, archive.open(_zip_name(attachment), "w") as target:
                shutil.copyfileobj(source, target, 1024 * 1024)
    handle.seek(0)
    return handle


def _zip_name(attachment) -> str:
    name = re.sub(r"[^\w.\- ]", "_", attachment.name)[:120] or "file"
    return f"attachments/{attachment.ticket.reference}/{attachment.pk}-{name}"


# --- anonymising tickets -----------------------------------------------------------------------------


def _scrub_event_data(data: dict) -> dict:
    """An event's facts without the people in them: mail addresses, collaborators, phone numbers, notes."""
    data = json.loads(json.dumps(data))
    if isinstance(data.get("mail"), dict):
        data["mail"].update({"from": "", "to": [], "cc": []})
    if isinstance(data.get("mail_failed"), dict):
        data["mail_failed"].update({"to": [], "subject": ""})
    if isinstance(data.get("bounce"), dict):
        data["bounce"]["recipients"] = []
    if isinstance(data.get("added"), list):
        data["added"] = [{"email": "", "name": REPLACED} for _person in data["added"]]
    if isinstance(data.get("left_out"), list):
        data["left_out"] = [{**part, "name": REPLACED} for part in data["left_out"] if isinstance(part, dict)]
    if data.get("number"):
        data["number"] = ""
    for key in ("reminder", "reminder_due"):
        if isinstance(data.get(key), dict) and data[key].get("note"):
            data[key]["note"] = ""
    if data.get("note"):
        data["note"] = ""
    return data


def _anonymise_inbound(queryset) -> int:
    """Mail as it came in: addresses, subject and details go, the raw file is replaced by a stub."""
    count = 0
    for inbound in queryset.only("pk", "raw"):
        old = inbound.raw.name
        new = default_storage.save(f"mail/inbound/anonymised-{inbound.pk}.eml", ContentFile(ANONYMISED_MAIL))
        InboundMessage.objects.filter(pk=inbound.pk).update(
            raw=new, size=len(ANONYMISED_MAIL), from_address="", from_name="", subject=REPLACED, detail="")
        if old and old != new:
            _delete_file_on_commit(old)
        count += 1
    return count


def _delete_file_on_commit(name: str) -> None:
    transaction.on_commit(lambda: default_storage.delete(name), robust=True)


def _delete_attachments(queryset) -> int:
    names = list(queryset.values_list("file", flat=True))
    deleted, _by_model = queryset.delete()
    for name in names:
        if name:
            _delete_file_on_commit(name)
    return len(names)


def _anonymise_tickets(ticket_ids, *, reason) -> dict:
    """Replace the texts, mail and files of these tickets (locked, skipping those another
    transaction holds or that are anonymised already); their facts stay."""
    ids = list(Ticket.objects.select_for_update(skip_locked=True, of=("self",))
               .filter(pk__in=list(ticket_ids), anonymised__isnull=True).values_list("pk", flat=True))
    counts = {"tickets": len(ids), "texts": 0, "attachments": 0, "mails": 0}
    if not ids:
        return counts
    # A microsecond later: the cached timelines (keyed by the last change) are drawn anew, the
    # order of the lists stays.
    Ticket.objects.filter(pk__in=ids).update(subject=REPLACED, description=REPLACED,
                                             updated_at=F("updated_at") + timedelta(microseconds=1))
    counts["texts"] += TicketEvent.objects.filter(ticket_id__in=ids).exclude(body="").update(body=REPLACED)
    events = [e for e in TicketEvent.objects.filter(ticket_id__in=ids).exclude(data={}).only("pk", "data")]
    for event in events:
        event.data = _scrub_event_data(event.data)
    TicketEvent.objects.bulk_update(events, ["data"], batch_size=500)
    notifications = list(Notification.objects.filter(ticket_id__in=ids).only("pk", "data"))
    for notification in notifications:
        notification.data = _scrub_event_data(notification.data)
    Notification.objects.bulk_update(notifications, ["data"], batch_size=500)
    Reminder.objects.filter(ticket_id__in=ids).exclude(note="").update(note="")
    counts["attachments"] += _delete_attachments(Attachment.objects.filter(ticket_id__in=ids))
    Collaborator.objects.filter(ticket_id__in=ids).delete()
    counts["mails"] += _anonymise_inbound(InboundMessage.objects.filter(ticket_id__in=ids))
    counts["mails"] += OutboundMessage.objects.filter(ticket_id__in=ids).update(
        to=[], cc=[], subject=REPLACED, body_text=REPLACED, body_html="", last_error="")
    AnonymisedTicket.objects.bulk_create([AnonymisedTicket(ticket_id=pk, reason=reason) for pk in ids],
                                         ignore_conflicts=True)
    return counts


# --- erasure of a person -----------------------------------------------------------------------------


def _needles(person, profile) -> list[str]:
    """What would still name the person in a text somewhere."""
    found = {person.email, person.get_username(), person.get_full_name(),
             f"{person.last_name}, {person.first_name}" if person.first_name and person.last_name else "",
             profile.phone if profile else ""}
    return sorted((n.strip() for n in found if n and len(n.strip()) >= 4), key=len, reverse=True)


# Tables the sweep leaves alone: the accounts (changed above, and other people's), the customer search
# (kept by PostgreSQL's triggers from the accounts), the sessions (encoded; the password change ends them)
# and the erasure records themselves.
_NOT_SWEPT = {User, CustomerSearchEntry, ErasureRecord, PendingSweep}
_SWEPT_FIELDS = (models.CharField, models.TextField, models.EmailField, models.JSONField)


def _text_fields(model):
    return [f for f in model._meta.concrete_fields
            if type(f) in _SWEPT_FIELDS and not f.primary_key and not f.choices and not f.generated]


def _replace_in(value, pattern):
    if isinstance(value, str):
        return pattern.sub(REPLACED, value)
    if isinstance(value, list):
        return [_replace_in(v, pattern) for v in value]
    if isinstance(value, dict):
        return {k: _replace_in(v, pattern) for k, v in value.items()}
    return value


def _sweep(needles) -> int:
    """Every text column of every table: what still names the person is replaced."""
    if not needles:
        return 0
    # Whole words only: "Anna" goes, "Johanna" stays. The database's match only narrows the rows.
    pattern = re.compile(r"(?<!\w)(?:%s)(?!\w)" % "|".join(re.escape(n) for n in needles), re.IGNORECASE)
    changed = 0
    for model in apps.get_models():
        if model in _NOT_SWEPT or model._meta.proxy or not model._meta.managed or model._meta.app_label == "sessions":
            continue
        fields = _text_fields(model)
        if not fields:
            continue
        match = Q()
        for field in fields:
            for needle in needles:
                match |= Q(**{f"{field.name}__icontains": needle})
        rows = list(model._base_manager.filter(match).only("pk", *(f.name for f in fields)))
        for row in rows:
            for field in fields:
                setattr(row, field.name, _replace_in(getattr(row, field.name), pattern))
        if rows:
            model._base_manager.bulk_update(rows, [f.name for f in fields], batch_size=200)
            changed += len(rows)
    return changed


def may_erase(person, actor) -> bool:
    return roles.is_admin(actor) and person.pk != actor.pk


@transaction.atomic
def erase_person(*, person, actor, reason=ErasureReason.ADMIN) -> ErasureRecord:
    """Anonymise a person (see the module's text); recorded in an ErasureRecord (who, when, whom)."""
    if not roles.is_admin(actor):
        raise PermissionDenied(_("Only an admin may erase a person's data."))
    if person.pk == actor.pk:
        raise ValidationError(_("You cannot erase your own account."))
    person = User.objects.select_for_update().get(pk=person.pk)
    if person.username == f"erased-{person.pk}":
        raise ValidationError(_("This person's data has already been erased."))
    profile = Profile.objects.filter(user=person).first()
    needles = _needles(person, profile)
    email = person.email

    counts = _anonymise_tickets(Ticket.objects.filter(requester=person).values_list("pk", flat=True),
                                reason=ErasureReason.REQUEST if reason == ErasureReason.REQUEST else ErasureReason.ADMIN)
    # What they wrote or sent on other tickets.
    counts["texts"] += TicketEvent.objects.filter(actor=person).exclude(body="").exclude(body=REPLACED).update(body=REPLACED)
    counts["attachments"] += _delete_attachments(Attachment.objects.filter(uploaded_by=person))
    Collaborator.objects.filter(Q(user=person) | Q(email__iexact=email) if email else Q(user=person)).delete()
    if email:
        counts["mails"] += _anonymise_inbound(  # through the index on the lower-cased sender
            InboundMessage.objects.alias(sender=Lower("from_address")).filter(sender=email.lower()))
        UndeliverableAddress.objects.filter(email__iexact=email).delete()
    Reminder.objects.filter(set_by=person).exclude(note="").update(note="")
    Review.objects.filter(reviewer=person).exclude(comment="").update(comment=REPLACED)
    SearchLog.objects.filter(user=person).delete()
    Deflection.objects.filter(user=person).update(query="")
    _forget_logins(person)

    if profile:
        Profile.objects.filter(pk=profile.pk).update(phone="", notes="")
    person.first_name = person.last_name = person.email = ""
    person.username = f"erased-{person.pk}"
    person.is_active = False
    person.set_unusable_password()  # ends every session of theirs
    person.save()

    record = ErasureRecord.objects.create(person=person, person_id_kept=person.pk, actor=actor, reason=reason,
                                          **counts)
    ErasureRequest.objects.filter(person=person, status=RequestStatus.PENDING).update(
        status=RequestStatus.DONE, record=record)
    # Mentions elsewhere (another customer's ticket, an agent's note) take a scan of every text column:
    # tens of seconds on a large helpdesk, so a worker does it after commit (beat catches a lost one).
    if needles:
        PendingSweep.objects.create(record=record, needles=needles)
        from . import tasks

        transaction.on_commit(lambda: tasks.sweep_mentions.delay(record.pk), robust=True)
    return record


def sweep_mentions(*, record_id: int) -> int | None:
    """Replace what still names an erased person in any text column; then forget the search terms.
    Idempotent: a sweep done (or being done by another worker) is not done again."""
    with transaction.atomic():
        pending = PendingSweep.objects.select_for_update(skip_locked=True).filter(record_id=record_id).first()
        if pending is None:
            return None
        changed = _sweep(pending.needles)
        ErasureRecord.objects.filter(pk=record_id).update(texts=F("texts") + changed)
        pending.delete()
    return changed


def sweep_leftovers(*, older_than=timedelta(minutes=10)) -> int:
    """The sweeps whose task was lost (a dead worker, an unreachable broker)."""
    ids = list(PendingSweep.objects.filter(created_at__lt=timezone.now() - older_than).values_list("record_id", flat=True))
    for record_id in ids:
        sweep_mentions(record_id=record_id)
    return len(ids)


def _forget_logins(person) -> None:
    """API tokens, and where the audit logs kept their address."""
    from auditlog.models import LogEntry
    from rest_framework.authtoken.models import Token

    Token.objects.filter(user=person).delete()
    LogEntry.objects.filter(actor=person).update(remote_addr=None, remote_port=None, actor_email="")


# --- requests from the portal ------------------------------------------------------------------------


@transaction.atomic
def request_erasure(*, person) -> ErasureRequest:
    """A customer asks for erasure: recorded for an admin, who is told by mail after commit."""
    if not roles.is_customer(person):
        raise PermissionDenied(_("Only customers can ask for erasure here; staff ask an admin."))
    User.objects.select_for_update().get(pk=person.pk)
    if selectors.pending_request(person):
        raise ValidationError(_("You have already asked for erasure. An admin will carry it out."))
    request = ErasureRequest.objects.create(person=person)
    from . import tasks

    transaction.on_commit(lambda: tasks.notify_admins_of_request.delay(request.pk), robust=True)
    return request


def notify_admins_of_request(*, request_id: int) -> bool:
    """Mail every active admin once about a new request (idempotent: a retried task sends nothing)."""
    from django.core.mail import send_mail
    from django.urls import reverse
    from django.utils import translation

    with transaction.atomic():
        request = ErasureRequest.objects.select_for_update().filter(pk=request_id, admins_notified_at__isnull=True).first()
        if request is None:
            return False
        admins = User.objects.filter(is_superuser=True, is_active=True).exclude(email="").select_related("profile")
        link = settings.HELPDESK_BASE_URL.rstrip("/") + reverse("admin:privacy_erasurerequest_change", args=[request.pk])
        for admin in admins:
            language = getattr(getattr(admin, "profile", None), "language", None) or settings.LANGUAGE_CODE
            with translation.override(language):
                send_mail(
                    _("A customer asks for the erasure of their data"),
                    _("Account %(id)s has asked for their personal data to be erased (GDPR Art. 17). "
                      "Please check and carry it out in the admin: %(link)s") % {"id": request.person_id, "link": link},
                    None, [admin.email],
                )
        request.admins_notified_at = timezone.now()
        request.save(update_fields=["admins_notified_at"])
    return True


@transaction.atomic
def carry_out_request(*, request: ErasureRequest, actor) -> ErasureRecord:
    request = ErasureRequest.objects.select_for_update().get(pk=request.pk)
    if request.status != RequestStatus.PENDING or request.person is None:
        raise ValidationError(_("This request has been carried out already."))
    return erase_person(person=request.person, actor=actor, reason=ErasureReason.REQUEST)


# --- retention ---------------------------------------------------------------------------------------


def retention_batch(*, now=None, size=None) -> int:
    """Anonymise one batch of the tickets whose retention period is over; the number done. Safe to run
    twice at once or again: a ticket held by another run is skipped, one done is never done again."""
    size = size or settings.HELPDESK_RETENTION_BATCH
    with transaction.atomic():
        ids = list(selectors.retention_due(now=now).order_by("pk").values_list("pk", flat=True)[:size])
        counts = _anonymise_tickets(ids, reason=ErasureReason.RETENTION)
        if counts["tickets"]:
            ErasureRecord.objects.create(reason=ErasureReason.RETENTION, **counts)
    return counts["tickets"]


def apply_retention(*, now=None, max_batches=50) -> int:
    done = 0
    for _batch in range(max_batches):
        count = retention_batch(now=now)
        done += count
        if not count:
            break
    return done
