"""Mail in: store it raw and keyed, then turn it into a ticket, a reply or a recorded no-op.

Mail is one more entry point into `tickets.services`, like the portal and the API: every rule about
tickets (who may reply, what a reply reopens, attachment limits, subjects on one line) is theirs.
What is decided here is what only mail has: which ticket a mail belongs to, who wrote it, what is
quoted history, what is an automatic mail that must never be answered.

Nothing is lost and nothing is doubled: `receive_message` first stores the raw bytes under a key
(the Message-ID, or a hash) and commits; then `process_inbound` handles the stored row in one
transaction, with the row locked and its status checked again. A mail fetched twice (a worker killed
before it told the IMAP server) finds its row already processed and changes nothing.
"""

from __future__ import annotations

import hashlib
import logging
import re
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import DatabaseError, IntegrityError, OperationalError, transaction
from django.template.defaultfilters import filesizeformat
from django.db.models import Count
from django.db.models.functions import Lower
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from tickets import roles
from tickets import services as ticket_services
from tickets.models import Channel, Collaborator, Status, Ticket

from . import outbound as mail_out
from . import parsing
from .models import (
    InboundMessage,
    InboundReason,
    InboundStatus,
    Mailbox,
    OutboundKind,
    OutboundMessage,
    OutboundStatus,
    UndeliverableAddress,
)

logger = logging.getLogger(__name__)
User = get_user_model()

SUBJECT_MAX_LENGTH = ticket_services.SUBJECT_MAX_LENGTH
TEXT_MAX_LENGTH = ticket_services.TEXT_MAX_LENGTH
# A refusal or a "files left out" answer goes to one address at most this often, so that two
# auto-responders that slipped past the header checks cannot keep each other busy.
ANSWER_INTERVAL = timedelta(hours=1)


# --- storing --------------------------------------------------------------------------------------------


def _raw_path(mailbox: Mailbox, digest: str) -> str:
    return f"mail/inbound/{mailbox.pk}/{digest[:2]}/{digest}.eml"


def store_inbound(*, mailbox: Mailbox, raw: bytes, source: str, arrived_at=None) -> InboundMessage:
    """The row for this mail, created if it is new. The raw file is named by its content hash and
    written before the row, so a crash between the two leaves at most a file that the retry reuses."""
    key, message_id = parsing.message_key(raw)
    existing = InboundMessage.objects.filter(mailbox=mailbox, key=key).first()
    if existing is not None:
        return existing
    digest = hashlib.sha256(raw).hexdigest()
    path = _raw_path(mailbox, digest)
    if not default_storage.exists(path):
        path = default_storage.save(path, ContentFile(raw))
    headers = parsing.parse_headers(raw)
    try:
        with transaction.atomic():
            return InboundMessage.objects.create(
                mailbox=mailbox, key=key, raw=path, size=len(raw), source=source, message_id=message_id,
                from_address=headers.sender.email[:254] if headers.sender else "",
                from_name=headers.sender.name[:200] if headers.sender else "",
                subject=headers.subject[:255], arrived_at=arrived_at,
            )
    except IntegrityError:  # another worker stored the same mail a moment ago
        return InboundMessage.objects.get(mailbox=mailbox, key=key)


def receive_message(*, mailbox: Mailbox, raw: bytes, source: str = "pipe", arrived_at=None) -> InboundMessage:
    """Take one raw mail: store it, then process it unless that was done before."""
    return receive_batch(mailbox=mailbox, mails=[(raw, arrived_at)], source=source)[0]


def _write_raw(mailbox: Mailbox, raw: bytes) -> str:
    """The raw file, named by its content hash: written once, and reused by a retry."""
    path = _raw_path(mailbox, hashlib.sha256(raw).hexdigest())
    if not default_storage.exists(path):
        path = default_storage.save(path, ContentFile(raw))
    return path


def _new_row(mailbox: Mailbox, raw: bytes, key: str, message_id: str, headers, source: str, arrived_at) -> InboundMessage:
    return InboundMessage(
        mailbox=mailbox, key=key, raw=_write_raw(mailbox, raw), size=len(raw), source=source, message_id=message_id,
        from_address=headers.sender.email[:254] if headers.sender else "",
        from_name=headers.sender.name[:200] if headers.sender else "",
        subject=headers.subject[:255], arrived_at=arrived_at, received_at=timezone.now(),
    )


def receive_batch(*, mailbox: Mailbox, mails: list[tuple[bytes, object]], source: str = "imap") -> list[InboundMessage]:
    """Store and process several raw mails ((raw, arrived_at) pairs) in one transaction: the raw rows
    of the whole batch first (one INSERT; their files written before it), then each mail that was
    not processed before in a savepoint of its own, so one mail's failure undoes only its own work.
    Returns the row of each mail, in order. When this returns, everything is committed: only then
    may the caller tell the mail server. A database error is raised (nothing of the batch is kept,
    the mails stay on the server and are fetched again)."""
    keyed = [(raw, arrived_at, *parsing.stored_facts(raw)) for raw, arrived_at in mails]
    with transaction.atomic():
        mailbox = Mailbox.objects.select_related("tier", "category").get(pk=mailbox.pk)
        keys = list(dict.fromkeys(key for _raw, _arrived, key, _mid, _headers in keyed))
        known = set(InboundMessage.objects.filter(mailbox=mailbox, key__in=keys).values_list("key", flat=True))
        new, seen = [], set(known)
        for raw, arrived_at, key, message_id, headers in keyed:
            if key not in seen:
                seen.add(key)
                new.append(_new_row(mailbox, raw, key, message_id, headers, source, arrived_at))
        # Another worker may store the same mail at the same moment: its row wins, ours is left out.
        InboundMessage.objects.bulk_create(new, ignore_conflicts=True)
        rows = {row.key: row for row in InboundMessage.objects.select_for_update(of=("self",))
                .filter(mailbox=mailbox, key__in=keys).order_by("pk")}
        context = _BatchContext(mailbox, senders=[row.from_address for row in rows.values()
                                                  if row.status == InboundStatus.RECEIVED])
        results = []
        for raw, _arrived, key, _mid, _headers in keyed:
            inbound = rows[key]
            inbound.mailbox = mailbox
            if inbound.status == InboundStatus.RECEIVED:
                _process_in_savepoint(inbound, raw, context=context)
            results.append(inbound)
            del raw
    return results


class _BatchContext:
    """What the mails of one batch share: the mailbox (with its tier and category) and the per-sender
    count of new tickets in the last hour, read for every sender of the batch in one query when the
    first one is asked for, and counted on as the batch opens tickets."""

    def __init__(self, mailbox: Mailbox, senders=()):
        self.mailbox = mailbox
        self.senders = {address.lower() for address in senders if address}
        self.recent: dict[str, int] = {}

    def new_tickets_within_hour(self, address: str) -> int:
        address = address.lower()
        if address not in self.recent:
            wanted = {address} | (self.senders - self.recent.keys())
            counts = dict(
                InboundMessage.objects.filter(
                    mailbox=self.mailbox, received_at__gte=timezone.now() - timedelta(hours=1),
                    reason__in=[InboundReason.NEW_TICKET, InboundReason.FOLLOW_UP])
                .annotate(sender=Lower("from_address")).filter(sender__in=wanted)
                .values("sender").annotate(count=Count("pk")).values_list("sender", "count"))
            for sender in wanted:
                self.recent[sender] = counts.get(sender, 0)
        return self.recent[address]

    def opened(self, address: str) -> None:
        address = address.lower()
        if address in self.recent:
            self.recent[address] += 1


# How often one mail's processing is tried again after it collided with another worker's batch
# (the same new customer created in both, a deadlock on a ticket row): the second try sees the
# other batch committed.
_COLLISION_RETRIES = 3


def _process_in_savepoint(inbound: InboundMessage, raw: bytes, *, context: "_BatchContext") -> None:
    for attempt in range(_COLLISION_RETRIES + 1):
        try:
            with transaction.atomic():
                _process_row(inbound, raw=raw, release=False, context=context)
        except (IntegrityError, OperationalError) as error:
            if attempt == _COLLISION_RETRIES or not _is_collision(error):
                raise
            logger.info("Inbound mail %s collided with another worker (%s); trying again", inbound.pk, error)
            inbound.refresh_from_db()
            inbound.mailbox = context.mailbox
            continue
        except DatabaseError:
            raise
        except Exception as error:  # noqa: BLE001 - a mail we cannot handle is kept and shown, never dropped
            _record_failure(inbound, error)
            inbound.mailbox = context.mailbox
            return
        if inbound.status == InboundStatus.PROCESSED and inbound.reason in (InboundReason.NEW_TICKET, InboundReason.FOLLOW_UP):
            context.opened(inbound.from_address)
        return


def _is_collision(error: Exception) -> bool:
    code = getattr(getattr(error, "__cause__", None), "pgcode", None)
    # unique_violation, deadlock_detected, serialization_failure
    return code in ("23505", "40P01", "40001")


def _record_failure(inbound: InboundMessage, error: Exception) -> None:
    """The mail's own work was undone with its savepoint; its row says why, and is kept."""
    logger.exception("Inbound mail %s could not be processed", inbound.pk)
    detail = "; ".join(error.messages) if isinstance(error, ValidationError) else f"{type(error).__name__}: {error}"
    InboundMessage.objects.filter(pk=inbound.pk).update(
        status=InboundStatus.FAILED, reason=InboundReason.ERROR, detail=detail[:2000], processed_at=timezone.now())
    inbound.refresh_from_db()


# --- processing -----------------------------------------------------------------------------------------


class _Outcome(Exception):
    """Ends processing with a status that is not an error (ignored, refused, held)."""

    def __init__(self, status, reason, detail=""):
        super().__init__(detail)
        self.status, self.reason, self.detail = status, reason, detail


def process_inbound(inbound_id: int, *, release: bool = False) -> InboundMessage:
    """Handle one stored mail in one transaction. `release` lets a held mail past the rate limit.
    A mail that breaks a rule is recorded as failed with the reason; a database error is raised, so
    the fetch is retried and the mail stays on the server."""
    try:
        with transaction.atomic():
            inbound = InboundMessage.objects.select_for_update().select_related("mailbox").get(pk=inbound_id)
            if inbound.status not in (InboundStatus.RECEIVED, InboundStatus.HELD, InboundStatus.FAILED):
                return inbound
            _process_row(inbound, raw=_read_raw(inbound), release=release, context=_BatchContext(inbound.mailbox))
            return inbound
    except DatabaseError:
        raise
    except Exception as error:  # noqa: BLE001 - a mail we cannot handle is kept and shown, never dropped
        logger.exception("Inbound mail %s could not be processed", inbound_id)
        detail = "; ".join(error.messages) if isinstance(error, ValidationError) else f"{type(error).__name__}: {error}"
        InboundMessage.objects.filter(pk=inbound_id).update(
            status=InboundStatus.FAILED, reason=InboundReason.ERROR, detail=detail[:2000], processed_at=timezone.now(),
        )
        return InboundMessage.objects.get(pk=inbound_id)


def _process_row(inbound: InboundMessage, *, raw: bytes, release: bool, context: _BatchContext) -> None:
    """Process a locked row and save it. An outcome that is not an error (ignored, refused, held)
    keeps what was done for it (a refusal's answer); anything else is raised, for the caller's
    transaction or savepoint to undo this mail's work."""
    try:
        with mail_out.processing(inbound) as events:
            inbound.written_events = events
            _process(inbound, raw=raw, release=release, context=context)
    except _Outcome as outcome:
        inbound.status, inbound.reason, inbound.detail = outcome.status, outcome.reason, outcome.detail
    inbound.processed_at = timezone.now()
    inbound.save()


def _read_raw(inbound: InboundMessage) -> bytes:
    with inbound.raw.open("rb") as handle:
        return handle.read()


def _process(inbound: InboundMessage, *, raw: bytes, release: bool, context: _BatchContext) -> None:
    mailbox = inbound.mailbox
    mail = parsing.parse(raw, max_part_bytes=settings.HELPDESK_MAX_ATTACHMENT_BYTES)
    del raw
    sender = mail.sender
    own = mail_out.own_addresses()
    if sender is None:
        raise _Outcome(InboundStatus.IGNORED, InboundReason.NO_SENDER, _("The mail has no sender address."))
    if sender.email in own:
        raise _Outcome(InboundStatus.IGNORED, InboundReason.LOOP, _("Sent from one of the helpdesk's own addresses."))
    ticket = find_ticket(mail)
    inbound.ticket = ticket
    if mail.bounce is not None:
        _handle_bounce(inbound, mail)
        raise _Outcome(InboundStatus.PROCESSED, InboundReason.BOUNCE, inbound.detail)
    if mail.automatic:
        raise _Outcome(InboundStatus.IGNORED, mail.automatic, _("Automatic mail: recorded, not answered."))
    user = User.objects.filter(email__iexact=sender.email, is_active=True).select_related("profile").order_by("pk").first()
    language = mail.language if mail.language in dict(settings.LANGUAGES) else mailbox.language
    with translation.override(_language_of(user, language)):
        if ticket is not None and user is not None and roles.is_agent(user):
            _add_reply(inbound, mail, ticket, user, reason=InboundReason.AGENT_REPLY)
            return
        if ticket is not None and _takes_part(ticket, user, sender.email):
            if user is None:  # a collaborator without an account yet
                user = ticket_services.customer_create_from_contact(email=sender.email, name=sender.name, language=language)
                Collaborator.objects.filter(ticket=ticket, email__iexact=sender.email).update(user=user)
            if ticket.status != Status.CLOSED:
                _add_reply(inbound, mail, ticket, user, reason=InboundReason.REPLY)
                return
            if ticket.updated_at >= timezone.now() - timedelta(days=mailbox.reopen_days):
                _add_reply(inbound, mail, ticket, user, reason=InboundReason.REOPENED)
                return
            _open_ticket(inbound, mail, user, follows=ticket, release=release, context=context)
            return
        if user is None and not mailbox.allow_unknown_senders:
            _answer(inbound, kind=OutboundKind.REFUSED, language=language, mail=mail)
            raise _Outcome(InboundStatus.REFUSED, InboundReason.UNKNOWN_SENDER,
                           _("This mailbox accepts mail only from known customers."))
        if user is None:
            user = ticket_services.customer_create_from_contact(email=sender.email, name=sender.name, language=language)
        # A stranger who names someone else's ticket gets a ticket of their own: never a say in that one.
        inbound.ticket = None
        _open_ticket(inbound, mail, user, follows=None, release=release, context=context)


def _language_of(user, fallback):
    if user is None:
        return fallback
    return getattr(getattr(user, "profile", None), "language", None) or fallback


def _takes_part(ticket: Ticket, user, email: str) -> bool:
    if user is not None and ticket.requester_id == user.pk:
        return True
    return Collaborator.objects.filter(ticket=ticket, email__iexact=email).exists()


_reference_pattern = None


def _reference_in(subject: str) -> str:
    global _reference_pattern
    if _reference_pattern is None:
        prefix = re.escape(settings.HELPDESK_REFERENCE_PREFIX)
        _reference_pattern = re.compile(rf"(?<![\w-])({prefix}-\d{{4}}-\d{{6}})(?![\w-])", re.IGNORECASE)
    match = _reference_pattern.search(subject or "")
    return match.group(1).upper() if match else ""


def find_ticket(mail: parsing.ParsedMail) -> Ticket | None:
    """The ticket a mail continues: one whose mail it answers (In-Reply-To / References naming a
    Message-ID that the ticket sent or received), else the reference in its subject."""
    ids = mail.thread_ids
    if ids:
        ticket_id = (OutboundMessage.objects.filter(message_id__in=ids, ticket__isnull=False)
                     .order_by("-id").values_list("ticket_id", flat=True).first())
        if ticket_id is None:
            ticket_id = (InboundMessage.objects.filter(message_id__in=ids, ticket__isnull=False)
                         .order_by("-id").values_list("ticket_id", flat=True).first())
        if ticket_id is not None:
            return Ticket.objects.select_related("requester").get(pk=ticket_id)
    reference = _reference_in(mail.subject)
    if reference:
        return Ticket.objects.select_related("requester").filter(reference=reference).first()
    return None


# --- what a mail becomes -----------------------------------------------------------------------------------


def _mail_facts(inbound: InboundMessage, mail: parsing.ParsedMail) -> dict:
    return {"mail": {
        "inbound": inbound.pk,
        "from": parsing.formataddr(mail.sender),
        "to": [parsing.formataddr(a) for a in mail.to[:10]],
        "cc": [parsing.formataddr(a) for a in mail.cc[:10]],
        "recipients": mail.recipient_count,
    }}


def _files(mail: parsing.ParsedMail) -> tuple[list, list]:
    """The attachments within the portal's limits, and those left out (too large, or too many)."""
    kept, left_out = [], []
    limit = settings.HELPDESK_MAX_ATTACHMENT_BYTES
    for part in mail.attachments:
        if part.size > limit or len(kept) >= settings.HELPDESK_MAX_ATTACHMENTS or part.size == 0:
            if part.size:
                left_out.append(part)
            continue
        upload = ContentFile(part.payload, name=part.filename)
        upload.content_type = part.content_type
        upload.content_id = part.content_id if part.is_inline else ""
        kept.append(upload)
    return kept, left_out


def _text_for(mail: parsing.ParsedMail, *, keep_quotes: bool, keep_signature: bool = False) -> str:
    text = mail.text if keep_quotes else parsing.new_text(mail.text, keep_signature=keep_signature)
    if len(text) > TEXT_MAX_LENGTH:
        cut = _("[Shortened: the mail is longer. Agents find the whole mail under “Original mail”.]")
        text = text[: TEXT_MAX_LENGTH - len(cut) - 2].rstrip() + "\n\n" + cut
    return text


def _subject_for(mail: parsing.ParsedMail, text: str) -> str:
    # "WG: Lieferung unvollständig" forwarded to us is the case "Lieferung unvollständig".
    subject = ticket_services.clean_subject(parsing.strip_reply_prefixes(mail.subject))
    if not subject:
        first_line = next((line for line in text.splitlines() if line.strip()), "")
        subject = ticket_services.clean_subject(first_line)[:80] or _("(no subject)")
    if len(subject) > SUBJECT_MAX_LENGTH:
        subject = subject[: SUBJECT_MAX_LENGTH - 1].rstrip() + "…"
    return subject


def _open_ticket(inbound, mail, user, *, follows: Ticket | None, release: bool, context: _BatchContext) -> None:
    mailbox = inbound.mailbox
    if not release and mailbox.max_new_tickets_per_hour:
        recent = context.new_tickets_within_hour(mail.sender.email)
        if recent >= mailbox.max_new_tickets_per_hour:
            raise _Outcome(InboundStatus.HELD, InboundReason.RATE_LIMITED, ngettext(
                "%(count)d new ticket from this sender within the last hour: this mail is held until an agent releases it.",
                "%(count)d new tickets from this sender within the last hour: this mail is held until an agent releases it.",
                recent) % {"count": recent})
    text = _text_for(mail, keep_quotes=mail.is_forward, keep_signature=True)
    subject = _subject_for(mail, text)
    files, left_out = _files(mail)
    facts = _mail_facts(inbound, mail)
    if follows is not None:
        facts["follows"] = {"reference": follows.reference}
        text = _("Follow-up to the closed ticket %(reference)s.") % {"reference": follows.reference} + "\n\n" + (text or subject)
    ticket = ticket_services.ticket_create(
        requester=user, subject=subject, description=text or subject, attachments=files,
        category=mailbox.category if mailbox.category and mailbox.category.is_active else None,
        tier=mailbox.tier, channel=Channel.EMAIL, event_data=facts,
    )
    inbound.ticket = ticket
    inbound.event = _written_event(inbound, "created") or ticket.events.order_by("id").first()
    inbound.status = InboundStatus.PROCESSED
    inbound.reason = InboundReason.FOLLOW_UP if follows else InboundReason.NEW_TICKET
    inbound.detail = ""
    _collaborators(ticket, user, mail)
    _left_out(inbound, mail, ticket, left_out)


def _add_reply(inbound, mail, ticket, user, *, reason) -> None:
    text = _text_for(mail, keep_quotes=False)
    files, left_out = _files(mail)
    if not text:
        text = _("(The mail has only attachments.)") if files or left_out else _("(The mail has no text.)")
    ticket_services.ticket_reply(
        ticket=ticket, author=user, body=text, attachments=files, channel=Channel.EMAIL,
        event_data=_mail_facts(inbound, mail), reopen_closed=reason == InboundReason.REOPENED,
    )
    inbound.event = _written_event(inbound, "reply") or ticket.events.filter(kind="reply").order_by("-id").first()
    inbound.status = InboundStatus.PROCESSED
    inbound.reason = reason
    inbound.detail = ""
    if reason != InboundReason.AGENT_REPLY:
        _collaborators(ticket, user, mail)
    _left_out(inbound, mail, ticket, left_out)


def _written_event(inbound, kind):
    """The last timeline event of that kind written for this mail (seen by outbound.processing)."""
    return next((e for e in reversed(getattr(inbound, "written_events", [])) if e.kind == kind), None)


def _collaborators(ticket: Ticket, user, mail: parsing.ParsedMail) -> None:
    """The Cc addresses of a customer's mail follow the ticket from now on (our own addresses and
    agents excepted: agents see the ticket anyway)."""
    own = mail_out.own_addresses()
    agents = set(
        User.objects.filter(email__in=[a.email for a in mail.cc], tier_memberships__isnull=False)
        .values_list("email", flat=True)
    )
    people = [(a.email, a.name) for a in mail.cc if a.email not in own and a.email.lower() not in {e.lower() for e in agents}]
    if people:
        ticket_services.ticket_add_collaborators(ticket=ticket, actor=user, people=people, channel=Channel.EMAIL)


def _left_out(inbound, mail, ticket, left_out) -> None:
    if not left_out:
        return
    limit = filesizeformat(settings.HELPDESK_MAX_ATTACHMENT_BYTES)
    names = ", ".join(f"{p.filename} ({filesizeformat(p.size)})" for p in left_out)
    ticket_services.ticket_add_note(
        ticket=ticket, author=None, channel=Channel.EMAIL,
        body=_("Not taken over from the mail (larger than %(max)s, or more than %(count)d files): %(names)s")
        % {"max": limit, "count": settings.HELPDESK_MAX_ATTACHMENTS, "names": names},
        event_data={"left_out": [{"name": p.filename, "size": p.size} for p in left_out], "mail": {"inbound": inbound.pk}},
    )
    _answer(inbound, kind=OutboundKind.ATTACHMENTS_LEFT_OUT, language=translation.get_language(), mail=mail,
            ticket=ticket, context={"left_out": left_out, "max_size": limit, "count": settings.HELPDESK_MAX_ATTACHMENTS})
    inbound.detail = names


def _answer(inbound, *, kind, language, mail, ticket=None, context=None) -> None:
    """A short automatic answer to the sender, unless that address bounced or was answered lately."""
    address = mail.sender.email
    if UndeliverableAddress.objects.filter(email__iexact=address).exists():
        return
    if OutboundMessage.objects.filter(kind=kind, to__contains=[parsing.formataddr(mail.sender)],
                                      created_at__gte=timezone.now() - ANSWER_INTERVAL).exists():
        return
    references = " ".join(f"<{m}>" for m in [*mail.references[-9:], mail.message_id] if m)
    mail_out.record_mail(
        kind=kind, language=language, to=[(address, mail.sender.name)], ticket=ticket, mailbox=inbound.mailbox,
        context={"name": mail.sender.name, "subject": mail.subject, **(context or {})},
        in_reply_to=mail.message_id, references=references,
    )


def _handle_bounce(inbound, mail) -> None:
    """A delivery status notification: mark the mail that bounced, stop mailing the address, and
    tell the agents on the ticket."""
    bounce = mail.bounce
    original = None
    if bounce.original_message_id:
        original = OutboundMessage.objects.filter(message_id=bounce.original_message_id).select_related("ticket").first()
    recipients = bounce.recipients or ([parsing.parseaddr(original.to[0])[1]] if original and original.to else [])
    reason = " ".join(filter(None, [bounce.status, bounce.diagnostic])) or _("no reason given")
    for address in recipients:
        UndeliverableAddress.objects.update_or_create(email=address.lower(), defaults={"reason": reason[:2000]})
    if original is not None:
        OutboundMessage.objects.filter(pk=original.pk).update(status=OutboundStatus.BOUNCED, last_error=reason[:2000])
        inbound.ticket = original.ticket
    ticket = inbound.ticket
    inbound.detail = _("Not delivered to %(addresses)s: %(reason)s") % {
        "addresses": ", ".join(recipients) or "?", "reason": reason}
    if ticket is not None:
        with translation.override(settings.LANGUAGE_CODE):
            inbound.event = ticket_services.ticket_add_note(
                ticket=ticket, author=None, channel=Channel.EMAIL, body=inbound.detail,
                event_data={"bounce": {"recipients": recipients, "status": bounce.status,
                                       "outbound": original.pk if original else None}, "mail": {"inbound": inbound.pk}},
            )


# --- agents and admins act on stored mail --------------------------------------------------------------


def inbound_release(*, inbound: InboundMessage, actor) -> InboundMessage:
    """Process a held (or failed) mail now, past the rate limit."""
    if not roles.is_agent(actor):
        raise PermissionDenied(_("Only agents can do this."))
    if inbound.status not in (InboundStatus.HELD, InboundStatus.FAILED):
        raise ValidationError(_("Only held or failed mail can be processed again."))
    return process_inbound(inbound.pk, release=True)


def mailbox_record_fetch(*, mailbox: Mailbox, error: str = "") -> None:
    now = timezone.now()
    fields = {"last_fetch_at": now}
    if error:
        fields.update(last_error=error[:2000], last_error_at=now)
    else:
        fields.update(last_success_at=now, last_error="")
    Mailbox.objects.filter(pk=mailbox.pk).update(**fields)


def mailbox_check_connections(*, mailbox: Mailbox) -> list[tuple[bool, str]]:
    """Try the incoming and the outgoing server: (worked, what happened in words) for each."""
    from . import imap

    results = []
    if mailbox.fetches_by_imap:
        try:
            results.append((True, imap.check_connection(mailbox)))
        except Exception as error:  # noqa: BLE001 - every failure is told, none raised
            results.append((False, _("IMAP: %(error)s") % {"error": imap.describe_error(error)}))
    else:
        results.append((True, _("IMAP: none configured; mail is piped in by the mail server.")))
    try:
        results.append((True, mail_out.check_connection(mailbox)))
    except Exception as error:  # noqa: BLE001
        results.append((False, _("SMTP: %(error)s") % {"error": imap.describe_error(error)}))
    return results


def outbound_retry(*, ids: list[int]) -> int:
    """Queue mails that finally failed for one more round of attempts (e.g. after a server was fixed)."""
    with transaction.atomic():
        count = OutboundMessage.objects.filter(pk__in=ids, status=OutboundStatus.FAILED).update(
            status=OutboundStatus.PENDING, attempts=0, next_attempt_at=timezone.now())
    for outbound_id in ids:
        mail_out._deliver_on_commit(outbound_id)
    return count
