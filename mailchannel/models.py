"""Mailboxes, every mail that came in (raw, keyed, with what became of it) and every mail we send.

An inbound mail is stored raw and keyed before anything else happens to it, so it can be processed
again, shown to an agent as it arrived and never processed twice. An outbound mail is recorded in
the transaction of the ticket change it tells about and delivered by a worker after commit.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _

from helpdesk.encryption import EncryptedTextField


class Security(models.TextChoices):
    TLS = "tls", _("TLS (implicit, e.g. port 993 / 465)")
    STARTTLS = "starttls", _("STARTTLS (e.g. port 143 / 587)")
    # Only for a server on this machine (tests, a local relay): a password never crosses a network in clear.
    NONE = "none", _("None (local server only)")


LOCAL_HOSTS = {"localhost", "127.0.0.1", "::1"}


class Mailbox(models.Model):
    """One support address: where its mail is fetched, how answers leave, where new tickets start."""

    name = models.SlugField(_("name"), max_length=50, unique=True,
                            help_text=_("Short name, used by “manage.py receive_mail --mailbox NAME”."))
    address = models.EmailField(_("address"), unique=True)
    display_name = models.CharField(_("display name"), max_length=100, blank=True,
                                    help_text=_("Shown as the sender of our mail, e.g. “Example Support”."))
    is_active = models.BooleanField(_("active"), default=True)
    is_default = models.BooleanField(
        _("default for outgoing mail"), default=False,
        help_text=_("Mail about tickets that did not come in by mail is sent from this mailbox."),
    )

    imap_host = models.CharField(_("IMAP server"), max_length=255, blank=True,
                                 help_text=_("Leave empty when mail is piped in by the mail server (receive_mail)."))
    imap_port = models.PositiveIntegerField(_("IMAP port"), default=993,
                                            validators=[MinValueValidator(1), MaxValueValidator(65535)])
    imap_security = models.CharField(_("IMAP security"), max_length=10, choices=Security.choices, default=Security.TLS)
    imap_user = models.CharField(_("IMAP user"), max_length=255, blank=True)
    imap_password = EncryptedTextField(_("IMAP password"), blank=True)
    imap_folder = models.CharField(_("IMAP folder"), max_length=255, default="INBOX")
    processed_folder = models.CharField(
        _("folder for processed mail"), max_length=255, blank=True,
        help_text=_("Processed mail is moved here. Leave empty to leave it in place, marked as read and processed."),
    )
    verify_tls = models.BooleanField(_("verify the server certificate"), default=True)

    smtp_host = models.CharField(_("SMTP server"), max_length=255, blank=True,
                                 help_text=_("Leave empty to send through the helpdesk's global mail settings."))
    smtp_port = models.PositiveIntegerField(_("SMTP port"), default=587,
                                            validators=[MinValueValidator(1), MaxValueValidator(65535)])
    smtp_security = models.CharField(_("SMTP security"), max_length=10, choices=Security.choices,
                                     default=Security.STARTTLS)
    smtp_user = models.CharField(_("SMTP user"), max_length=255, blank=True)
    smtp_password = EncryptedTextField(_("SMTP password"), blank=True)

    tier = models.ForeignKey("tickets.Tier", verbose_name=_("tier for new tickets"), null=True, blank=True,
                             on_delete=models.SET_NULL, related_name="+",
                             help_text=_("Empty: the lowest tier."))
    category = models.ForeignKey("tickets.Category", verbose_name=_("category for new tickets"), null=True,
                                 blank=True, on_delete=models.SET_NULL, related_name="+")
    language = models.CharField(_("default language"), max_length=8, choices=settings.LANGUAGES, default="de",
                                help_text=_("For people who write to us before we know their language."))
    allow_unknown_senders = models.BooleanField(
        _("unknown senders may open tickets"), default=True,
        help_text=_("Otherwise mail from addresses without an account gets a polite refusal."),
    )
    reopen_days = models.PositiveIntegerField(
        _("days in which a reply reopens a closed ticket"), default=14,
        help_text=_("A reply to a ticket closed longer ago opens a new ticket linked to the old one."),
    )
    max_new_tickets_per_hour = models.PositiveIntegerField(
        _("new tickets per sender and hour"), default=20,
        help_text=_("Further mail from the same sender is held for an agent to release."),
    )

    last_fetch_at = models.DateTimeField(_("last fetch"), null=True, blank=True, editable=False)
    last_success_at = models.DateTimeField(_("last successful fetch"), null=True, blank=True, editable=False)
    last_error = models.TextField(_("last error"), blank=True, editable=False)
    last_error_at = models.DateTimeField(_("last error at"), null=True, blank=True, editable=False)

    class Meta:
        ordering = ["name"]
        verbose_name = _("mailbox")
        verbose_name_plural = _("mailboxes")
        constraints = [
            models.UniqueConstraint(fields=["is_default"], condition=Q(is_default=True), name="one_default_mailbox"),
        ]

    def __str__(self):
        return f"{self.name} <{self.address}>"

    def clean(self):
        errors = {}
        for prefix in ("imap", "smtp"):
            host = getattr(self, f"{prefix}_host")
            if host and getattr(self, f"{prefix}_security") == Security.NONE and host not in LOCAL_HOSTS:
                errors[f"{prefix}_security"] = _("Without encryption the password would cross the network in clear: "
                                                 "allowed only for a server on this machine.")
        if self.imap_host and not (self.imap_user and self.imap_password):
            errors["imap_user"] = _("An IMAP server needs a user and a password.")
        if errors:
            raise ValidationError(errors)

    @property
    def fetches_by_imap(self) -> bool:
        return bool(self.imap_host)

    @property
    def domain(self) -> str:
        return self.address.rpartition("@")[2]


class InboundStatus(models.TextChoices):
    RECEIVED = "received", _("Received, not processed yet")
    PROCESSED = "processed", _("Processed")
    IGNORED = "ignored", _("Recorded, not answered")
    REFUSED = "refused", _("Refused")
    HELD = "held", _("Held for release")
    FAILED = "failed", _("Failed")


class InboundReason(models.TextChoices):
    NEW_TICKET = "new_ticket", _("Opened a new ticket")
    REPLY = "reply", _("Added to a ticket")
    AGENT_REPLY = "agent_reply", _("An agent's answer")
    REOPENED = "reopened", _("Reopened a closed ticket")
    FOLLOW_UP = "follow_up", _("Opened a follow-up to a closed ticket")
    AUTO_REPLY = "auto_reply", _("Automatic reply (e.g. out of office)")
    BULK = "bulk", _("Bulk mail")
    MAILING_LIST = "mailing_list", _("Mailing list")
    LOOP = "loop", _("Sent by the helpdesk itself")
    BOUNCE = "bounce", _("Delivery failure report")
    UNKNOWN_SENDER = "unknown_sender", _("Unknown sender")
    NO_SENDER = "no_sender", _("No sender address")
    RATE_LIMITED = "rate_limited", _("Too many new tickets from this sender")
    ERROR = "error", _("Could not be processed")


class InboundMessage(models.Model):
    """One mail as it arrived. `key` is its Message-ID (or a hash of its bytes when it has none):
    the same mail fetched twice is recognised and never processed again."""

    mailbox = models.ForeignKey(Mailbox, verbose_name=_("mailbox"), on_delete=models.PROTECT, related_name="inbound")
    key = models.CharField(_("key"), max_length=255)
    raw = models.FileField(_("original mail"), upload_to="mail/inbound/", max_length=255)
    size = models.PositiveBigIntegerField(_("size in bytes"))
    source = models.CharField(_("received by"), max_length=8, choices=[("imap", "IMAP"), ("pipe", _("mail server pipe"))])
    message_id = models.CharField(_("Message-ID"), max_length=255, blank=True, db_index=True)
    from_address = models.CharField(_("from"), max_length=254, blank=True)
    from_name = models.CharField(_("sender name"), max_length=200, blank=True)
    subject = models.CharField(_("subject"), max_length=255, blank=True)
    arrived_at = models.DateTimeField(_("arrived at the mail server"), null=True, blank=True)
    received_at = models.DateTimeField(_("received"), auto_now_add=True)
    processed_at = models.DateTimeField(_("processed"), null=True, blank=True)
    status = models.CharField(_("status"), max_length=10, choices=InboundStatus.choices, default=InboundStatus.RECEIVED)
    reason = models.CharField(_("outcome"), max_length=16, choices=InboundReason.choices, blank=True)
    detail = models.TextField(_("details"), blank=True)
    ticket = models.ForeignKey("tickets.Ticket", verbose_name=_("ticket"), null=True, blank=True,
                               on_delete=models.SET_NULL, related_name="inbound_mail")
    event = models.ForeignKey("tickets.TicketEvent", verbose_name=_("timeline entry"), null=True, blank=True,
                              on_delete=models.SET_NULL, related_name="+")

    class Meta:
        verbose_name = _("inbound message")
        verbose_name_plural = _("inbound messages")
        ordering = ["-received_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["mailbox", "key"], name="unique_inbound_per_mailbox")]
        indexes = [
            models.Index(fields=["status", "received_at"], name="inbound_status_idx"),
            # The rate limit counts a sender's new tickets of the last hour.
            models.Index(fields=["from_address", "received_at"], name="inbound_sender_idx"),
            # ... whatever the address's case (services._BatchContext compares it in lower case).
            models.Index(Lower("from_address"), F("received_at"), name="inbound_sender_lower_idx"),
        ]

    def __str__(self):
        return f"{self.from_address}: {self.subject}"


class OutboundStatus(models.TextChoices):
    PENDING = "pending", _("Waiting to be sent")
    SENT = "sent", _("Sent")
    FAILED = "failed", _("Not delivered")
    BOUNCED = "bounced", _("Bounced")


class OutboundKind(models.TextChoices):
    CREATED = "created", _("Confirmation of a new ticket")
    ANSWERED = "answered", _("Answer")
    SOLVED = "solved", _("Ticket solved")
    REFUSED = "refused", _("Refusal of an unknown sender")
    ATTACHMENTS_LEFT_OUT = "left_out", _("Attachments left out")
    REGISTRATION = "register", _("Confirmation of a registration")
    REGISTRATION_KNOWN = "reg_known", _("Registration with a known address")


class OutboundMessage(models.Model):
    """One mail we send, recorded with the change it tells about and delivered after commit. Its
    Message-ID threads the customer's answer back into the ticket."""

    mailbox = models.ForeignKey(Mailbox, verbose_name=_("mailbox"), null=True, blank=True, on_delete=models.SET_NULL,
                                related_name="outbound")
    ticket = models.ForeignKey("tickets.Ticket", verbose_name=_("ticket"), null=True, blank=True,
                               on_delete=models.CASCADE, related_name="outbound_mail")
    event = models.ForeignKey("tickets.TicketEvent", verbose_name=_("timeline entry"), null=True, blank=True,
                              on_delete=models.CASCADE, related_name="outbound_mail")
    kind = models.CharField(_("kind"), max_length=10, choices=OutboundKind.choices)
    message_id = models.CharField(_("Message-ID"), max_length=255, unique=True)
    in_reply_to = models.CharField(_("In-Reply-To"), max_length=255, blank=True)
    references = models.TextField(_("References"), blank=True)
    from_header = models.CharField(_("from"), max_length=300)
    reply_to = models.CharField(_("Reply-To"), max_length=254, blank=True)
    to = models.JSONField(_("to"), default=list)
    cc = models.JSONField(_("cc"), default=list, blank=True)
    subject = models.CharField(_("subject"), max_length=300)
    body_text = models.TextField(_("text"))
    body_html = models.TextField(_("HTML"), blank=True)
    is_automatic = models.BooleanField(_("automatic"), default=False)
    language = models.CharField(_("language"), max_length=8, choices=settings.LANGUAGES)
    status = models.CharField(_("status"), max_length=8, choices=OutboundStatus.choices, default=OutboundStatus.PENDING)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    next_attempt_at = models.DateTimeField(_("next attempt"), null=True, blank=True)
    last_error = models.TextField(_("last error"), blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    sent_at = models.DateTimeField(_("sent"), null=True, blank=True)

    class Meta:
        verbose_name = _("outbound message")
        verbose_name_plural = _("outbound messages")
        ordering = ["-created_at", "-id"]
        indexes = [
            models.Index(fields=["next_attempt_at"], condition=Q(status="pending"), name="outbound_pending_idx"),
            models.Index(fields=["ticket", "created_at"], name="outbound_ticket_idx"),
        ]

    def __str__(self):
        return f"{self.subject} → {', '.join(self.to)}"


class UndeliverableAddress(models.Model):
    """An address that bounced: we stop mailing it until an agent or admin removes the entry."""

    email = models.EmailField(_("e-mail address"), unique=True)
    reason = models.TextField(_("reason"), blank=True)
    bounced_at = models.DateTimeField(_("bounced"), auto_now=True)

    class Meta:
        verbose_name = _("undeliverable address")
        verbose_name_plural = _("undeliverable addresses")
        ordering = ["email"]

    def __str__(self):
        return self.email
