"""Mail we send: recorded with the ticket change it tells about, delivered by a worker after commit.

PostgreSQL is the record (OutboundMessage, an outbox): a row is written in the transaction of the
change, a Celery task delivers it once that transaction commits, and a beat task picks up every row
whose delivery is due and was not done (Redis down at commit time, a worker killed, a server that
answered "try later"). Each row has its Message-ID from the start, so a retried delivery is the same
mail, and a delivered row is never sent again.
"""

from __future__ import annotations

import logging
import secrets
from contextlib import contextmanager
import time
import smtplib
from datetime import timedelta
from email.utils import formataddr, parseaddr

from django.conf import settings
from django.core.cache import cache
from django.core.mail import EmailMultiAlternatives, get_connection
from django.db import transaction
from django.db.models import OuterRef, Subquery, Value
from django.template.loader import render_to_string, select_template
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from helpdesk.caching import drop_now_and_after_commit
from tickets.models import EventKind, Profile, Status, Ticket, TicketEvent

from .models import (
    InboundMessage,
    Mailbox,
    OutboundKind,
    OutboundMessage,
    OutboundStatus,
    Security,
    UndeliverableAddress,
)

logger = logging.getLogger(__name__)

MAX_ATTEMPTS = 8
FIRST_RETRY_SECONDS = 30
MAX_RETRY_SECONDS = 3600
# Kinds that no person wrote: marked Auto-Submitted, so other systems' auto-responders stay quiet.
AUTOMATIC_KINDS = {OutboundKind.CREATED, OutboundKind.SOLVED, OutboundKind.REFUSED, OutboundKind.ATTACHMENTS_LEFT_OUT,
                   OutboundKind.REGISTRATION, OutboundKind.REGISTRATION_KNOWN}


# --- which mailbox speaks for a ticket ---------------------------------------------------------------


DEFAULT_MAILBOX_KEY = "mailchannel:default-mailbox"
DEFAULT_MAILBOX_SECONDS = 300
# What an outgoing mail needs of its mailbox; the server passwords stay out of the cache.
SENDER_FIELDS = ("pk", "name", "address", "display_name", "is_active", "is_default", "language")


def default_mailbox() -> Mailbox | None:
    """The active default mailbox, else the first active one. Every new ticket's confirmation asks:
    it stays in the cache until a mailbox changes (mailchannel/apps.py drops it)."""
    return cache.get_or_set(DEFAULT_MAILBOX_KEY, lambda: (
        Mailbox.objects.filter(is_active=True).only(*SENDER_FIELDS).order_by("-is_default", "pk").first()),
        DEFAULT_MAILBOX_SECONDS)


def forget_default_mailbox(**kwargs) -> None:
    drop_now_and_after_commit(key=DEFAULT_MAILBOX_KEY)


def mailbox_for_ticket(ticket: Ticket) -> Mailbox | None:
    """The mailbox the customer last wrote to, else the default one: answers come from the address
    the customer knows. One statement: each outgoing mail asks, and a broadcast writes thousands."""
    latest = (InboundMessage.objects.filter(ticket=ticket, mailbox=OuterRef("pk"))
              .order_by("-id").values("id")[:1])
    return (Mailbox.objects.filter(is_active=True)
            .order_by(Subquery(latest).desc(nulls_last=True), "-is_default", "pk").first())


_own_addresses: tuple[float, frozenset] = (0.0, frozenset())
OWN_ADDRESSES_SECONDS = 30  # a mailbox added in the admin is known to every worker this soon


def own_addresses() -> frozenset[str]:
    """Every address the helpdesk sends from: mail from these is never a ticket (no loops). Read
    once per OWN_ADDRESSES_SECONDS per process (each mail asks several times)."""
    global _own_addresses
    expires, addresses = _own_addresses
    if time.monotonic() < expires:
        return addresses
    found = {a.lower() for a in Mailbox.objects.values_list("address", flat=True)}
    found.add(parseaddr(settings.DEFAULT_FROM_EMAIL)[1].lower())
    found.add(parseaddr(settings.SERVER_EMAIL)[1].lower())
    _own_addresses = (time.monotonic() + OWN_ADDRESSES_SECONDS, frozenset(found - {""}))
    return _own_addresses[1]


def forget_own_addresses(**kwargs) -> None:
    global _own_addresses
    _own_addresses = (0.0, frozenset())


def new_message_id(mailbox: Mailbox | None, ticket: Ticket | None) -> str:
    domain = mailbox.domain if mailbox else (parseaddr(settings.DEFAULT_FROM_EMAIL)[1].rpartition("@")[2] or "localhost")
    stem = ticket.reference if ticket else "helpdesk"
    return f"{stem}.{timezone.now():%Y%m%d%H%M%S}.{secrets.token_hex(4)}@{domain}"


def _thread_headers(ticket: Ticket, answering: InboundMessage | None = None) -> tuple[str, str]:
    """In-Reply-To and References for a new mail of the ticket: it answers the customer's latest
    mail (`answering`, the one being processed, is not linked to the ticket yet), or our first one,
    and names the thread's first and latest messages."""
    inbound = list(InboundMessage.objects.filter(ticket=ticket).exclude(message_id="")
                   .order_by("-id").values_list("message_id", flat=True)[:5])
    if answering is not None and answering.message_id and answering.message_id not in inbound:
        inbound.insert(0, answering.message_id)
    # Our first mail and the latest three, in one statement (each part tagged: a UNION keeps no order).
    ours = OutboundMessage.objects.filter(ticket=ticket)
    sent = list(ours.annotate(part=Value(0)).order_by("id").values_list("part", "id", "message_id")[:1].union(
        ours.annotate(part=Value(1)).order_by("-id").values_list("part", "id", "message_id")[:3], all=True))
    outbound = [m for part, _id, m in sent if part == 0]
    recent_out = [m for part, _id, m in sorted((s for s in sent if s[0] == 1), key=lambda s: -s[1])]
    in_reply_to = inbound[0] if inbound else (recent_out[0] if recent_out else "")
    chain = []
    for message_id in [*outbound, *reversed(recent_out), *reversed(inbound)]:
        if message_id and message_id not in chain:
            chain.append(message_id)
    return in_reply_to, " ".join(f"<{m}>" for m in chain[-10:])


def _language_of(user, fallback: str) -> str:
    if user is None:
        return fallback
    try:
        return user.profile.language or fallback  # often already loaded with the user
    except Profile.DoesNotExist:
        return fallback


# --- recording ------------------------------------------------------------------------------------------


def _event_kind(event: TicketEvent) -> str | None:
    if not event.is_public or (event.data or {}).get("silent"):
        return None
    if event.kind == EventKind.CREATED:
        return OutboundKind.CREATED
    if event.kind == EventKind.REPLY and event.data.get("author_role") == "agent":
        return OutboundKind.ANSWERED
    if event.kind == EventKind.STATUS and event.data.get("to") == Status.SOLVED:
        return OutboundKind.SOLVED
    return None


# The inbound mails this process is processing right now (services.receive_batch), by id, with the
# timeline events written for each: the event handler below needs the row, and the intake the
# events, without reading back what is in memory already.
_processing: dict[int, tuple[InboundMessage, list[TicketEvent]]] = {}


@contextmanager
def processing(inbound: InboundMessage):
    """While an inbound mail is processed: yields the list of the timeline events written for it."""
    events: list[TicketEvent] = []
    _processing[inbound.pk] = (inbound, events)
    try:
        yield events
    finally:
        _processing.pop(inbound.pk, None)


def record_event_mail(ticket: Ticket, event: TicketEvent) -> list[OutboundMessage]:
    """The mail a timeline event calls for, one per language among its recipients (the requester,
    and for answers the collaborators). Called inside the event's transaction."""
    # A mail being processed right now names itself in the event: answer it, from the address it went to.
    inbound_id = ((event.data or {}).get("mail") or {}).get("inbound")
    current = _processing.get(inbound_id) if inbound_id else None
    if current is not None:
        current[1].append(event)
    kind = _event_kind(event)
    if kind is None:
        return []
    requester = ticket.requester
    if current is not None:
        answering = current[0]
    else:
        answering = InboundMessage.objects.select_related("mailbox").filter(pk=inbound_id).first() if inbound_id else None
    if answering and answering.mailbox.is_active:
        mailbox = answering.mailbox
    elif event.kind == EventKind.CREATED and not inbound_id:
        mailbox = default_mailbox()  # a ticket filed just now has no mail the customer wrote to
    else:
        mailbox = mailbox_for_ticket(ticket)
    if event.kind == EventKind.CREATED:
        # A new ticket has no mail of its own yet: its first mail answers the one that opened it, if any.
        in_reply_to = answering.message_id if answering else ""
        references = f"<{in_reply_to}>" if in_reply_to else ""
    else:
        in_reply_to, references = _thread_headers(ticket, answering)
    fallback = mailbox.language if mailbox else settings.LANGUAGE_CODE
    recipients = []  # (address, name, user)
    if requester.email:
        recipients.append((requester.email.lower(), requester.get_full_name(), requester))
    if kind == OutboundKind.ANSWERED:
        for collaborator in ticket.collaborators.select_related("user"):
            recipients.append((collaborator.email, collaborator.name, collaborator.user))
    blocked = set(UndeliverableAddress.objects.filter(email__in=[r[0] for r in recipients]).values_list("email", flat=True))
    own = own_addresses()
    recipients = [r for r in recipients if r[0] not in blocked and r[0] not in own]
    if not recipients:
        return []
    by_language: dict[str, list] = {}
    for address, name, user in recipients:
        by_language.setdefault(_language_of(user, fallback), []).append((address, name))
    messages = []
    # The requester's language decides the mail that goes To them; collaborators in another language
    # get their own copy in theirs.
    for number, (language, people) in enumerate(by_language.items()):
        to, cc = ([people[0]], people[1:]) if number == 0 else (people, [])
        messages.append(record_mail(
            kind=kind, ticket=ticket, event=event, mailbox=mailbox, language=language, to=to, cc=cc,
            context={"requester": requester, "name": to[0][1]}, in_reply_to=in_reply_to, references=references,
        ))
    return messages


def record_registration_mail(*, user, address: str, kind: str, url: str, language: str) -> OutboundMessage | None:
    """The mail a registration calls for (tickets/registration.py): "confirm" a new address, or tell
    the owner of a "known" one that someone tried to register with it. Not to a blocked address."""
    address = address.strip().lower()
    if not address or UndeliverableAddress.objects.filter(email=address).exists() or address in own_addresses():
        return None
    name = user.get_full_name() if user is not None else ""
    outbound_kind = OutboundKind.REGISTRATION if kind == "confirm" else OutboundKind.REGISTRATION_KNOWN
    return record_mail(kind=outbound_kind, language=language, to=[(address, name)],
                       context={"name": name, "url": url, "login_url": settings.HELPDESK_BASE_URL.rstrip("/") + reverse("login")})


FIND = object()  # record_mail works the mailbox or the thread headers out itself


def record_mail(*, kind, language, to, cc=(), ticket=None, event=None, mailbox=FIND, context=None,
                in_reply_to=FIND, references=FIND) -> OutboundMessage:
    """Write one outgoing mail to the outbox; it leaves after the surrounding transaction commits.
    `to` and `cc` are (address, name) pairs. A caller that knows the mailbox (None: the global
    EMAIL_* settings) or the thread headers passes them, so they are not looked up twice."""
    if mailbox is FIND:
        mailbox = mailbox_for_ticket(ticket) if ticket else default_mailbox()
    if in_reply_to is FIND or references is FIND:
        if ticket is not None and not (event and event.kind == EventKind.CREATED):
            in_reply_to, references = _thread_headers(ticket)
        else:
            in_reply_to, references = "", ""
    with translation.override(language):
        base = settings.HELPDESK_BASE_URL.rstrip("/")
        context = {
            "ticket": ticket, "event": event, "kind": kind, "name": "",
            "url": base + (reverse("portal:ticket", kwargs={"reference": ticket.reference}) if ticket else reverse("register")),
            **(context or {}),
        }
        subject = " ".join(render_to_string(f"mailchannel/mail/{kind}_subject.txt", context).split())
        body_text = render_to_string(f"mailchannel/mail/{kind}_body.txt", context)
        # One HTML layout for every kind (a project may override it, or one kind's own {kind}_body.html),
        # drawn from the text so both parts always say the same.
        body_html = select_template([f"mailchannel/mail/{kind}_body.html", "mailchannel/mail/body.html"]).render(
            {**context, "text": body_text, "subject": subject, "language": language})
    if mailbox is not None:
        from_header = formataddr((mailbox.display_name, mailbox.address)) if mailbox.display_name else mailbox.address
    else:
        from_header = settings.DEFAULT_FROM_EMAIL
    outbound = OutboundMessage.objects.create(
        mailbox=mailbox, ticket=ticket, event=event, kind=kind,
        message_id=new_message_id(mailbox, ticket), in_reply_to=in_reply_to, references=references,
        from_header=from_header, reply_to=mailbox.address if mailbox else "",
        to=[formataddr((name, address)) for address, name in to],
        cc=[formataddr((name, address)) for address, name in cc],
        subject=subject[:300], body_text=body_text, body_html=body_html,
        is_automatic=kind in AUTOMATIC_KINDS, language=language, next_attempt_at=timezone.now(),
    )
    _deliver_on_commit(outbound.pk)
    return outbound


def _deliver_on_commit(outbound_id: int) -> None:
    from .tasks import deliver_outbound

    # robust: a broker outage must not undo the change; the outbox sweep delivers the row later.
    transaction.on_commit(lambda: deliver_outbound.delay(outbound_id), robust=True)


# --- delivery -------------------------------------------------------------------------------------------


def _connection(mailbox: Mailbox | None):
    if mailbox is None or not mailbox.smtp_host:
        return get_connection(fail_silently=False)
    return get_connection(
        "django.core.mail.backends.smtp.EmailBackend", fail_silently=False,
        host=mailbox.smtp_host, port=mailbox.smtp_port, username=mailbox.smtp_user or None,
        password=mailbox.smtp_password or None, use_tls=mailbox.smtp_security == Security.STARTTLS,
        use_ssl=mailbox.smtp_security == Security.TLS, timeout=30,
    )


def build_email(outbound: OutboundMessage, connection=None) -> EmailMultiAlternatives:
    headers = {"Message-ID": f"<{outbound.message_id}>"}
    if outbound.in_reply_to:
        headers["In-Reply-To"] = f"<{outbound.in_reply_to}>"
    if outbound.references:
        headers["References"] = outbound.references
    if outbound.is_automatic:
        headers["Auto-Submitted"] = "auto-replied"
        # Exchange's auto-responders honour this one instead of Auto-Submitted.
        headers["X-Auto-Response-Suppress"] = "All"
    headers["Content-Language"] = outbound.language
    email = EmailMultiAlternatives(
        subject=outbound.subject, body=outbound.body_text, from_email=outbound.from_header, to=outbound.to,
        cc=outbound.cc, reply_to=[outbound.reply_to] if outbound.reply_to else None, headers=headers,
        connection=connection,
    )
    if outbound.body_html:
        email.attach_alternative(outbound.body_html, "text/html")
    if outbound.kind == OutboundKind.ANSWERED and outbound.event_id:
        for attachment in outbound.event.attachments.all():
            with attachment.file.open("rb") as handle:
                email.attach(attachment.name, handle.read(), attachment.content_type or None)
    return email


def _is_permanent(error: Exception) -> bool:
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        return all(code >= 500 for code, _msg in error.recipients.values())
    code = getattr(error, "smtp_code", None)
    return isinstance(code, int) and code >= 500


def deliver(outbound_id: int) -> str:
    """Send one outbox row if it is due: "sent", "retry" (a temporary failure, tried again later),
    "failed" (given up, shown on the ticket) or "skipped" (already sent, or another worker has it)."""
    with transaction.atomic():
        outbound = (OutboundMessage.objects.select_for_update(skip_locked=True, of=("self",))
                    .select_related("mailbox", "ticket", "event").filter(pk=outbound_id, status=OutboundStatus.PENDING).first())
        if outbound is None:
            return "skipped"
        outbound.attempts += 1
        try:
            build_email(outbound, connection=_connection(outbound.mailbox)).send()
        except Exception as error:  # noqa: BLE001 - every failure is recorded; none may lose the mail
            outbound.last_error = f"{type(error).__name__}: {error}"[:2000]
            if _is_permanent(error) or outbound.attempts >= MAX_ATTEMPTS:
                outbound.status = OutboundStatus.FAILED
                outbound.next_attempt_at = None
                outbound.save(update_fields=["attempts", "last_error", "status", "next_attempt_at"])
                _report_failure(outbound)
                logger.warning("Mail %s not delivered: %s", outbound.message_id, outbound.last_error)
                return "failed"
            delay = min(FIRST_RETRY_SECONDS * 2 ** (outbound.attempts - 1), MAX_RETRY_SECONDS)
            outbound.next_attempt_at = timezone.now() + timedelta(seconds=delay)
            outbound.save(update_fields=["attempts", "last_error", "next_attempt_at"])
            logger.info("Mail %s: attempt %d failed (%s), next in %d s", outbound.message_id,
                        outbound.attempts, outbound.last_error, delay)
            return "retry"
        outbound.status = OutboundStatus.SENT
        outbound.sent_at = timezone.now()
        outbound.next_attempt_at = None
        outbound.save(update_fields=["attempts", "status", "sent_at", "next_attempt_at", "last_error"])
        return "sent"


def _report_failure(outbound: OutboundMessage) -> None:
    """An internal note on the ticket: agents see at once that the customer did not get the mail."""
    if outbound.ticket_id is None:
        return
    from tickets import services as ticket_services

    with translation.override(settings.LANGUAGE_CODE):
        ticket_services.ticket_add_note(
            ticket=outbound.ticket, author=None, body=outbound.last_error, channel="email",
            event_data={"mail_failed": {"outbound": outbound.pk, "to": outbound.to, "subject": outbound.subject}},
        )


def check_connection(mailbox: Mailbox) -> str:
    """Open and close an SMTP session with the mailbox's server; raises on failure."""
    connection = _connection(mailbox)
    connection.open()
    connection.close()
    if mailbox.smtp_host:
        return _("SMTP: %(host)s:%(port)d accepted the login.") % {"host": mailbox.smtp_host, "port": mailbox.smtp_port}
    return _("SMTP: the helpdesk's global mail settings are used.")
