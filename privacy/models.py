"""Personal data (GDPR): what was erased, by whom and when; the customers' requests for erasure; the
retention period of an organisation; which tickets have been anonymised.

None of these rows holds personal data of its own: a person is named by their account's id (the
account itself stays, anonymised), so an erasure record survives the erasure it records."""

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class ErasureReason(models.TextChoices):
    ADMIN = "admin", _("Erased by an admin")
    REQUEST = "request", _("At the person's request")
    RETENTION = "retention", _("Retention period over")


class ErasureRecord(models.Model):
    """The audit entry of one erasure: who (actor), when, whom (the account, by id) and what went."""

    person = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("person"), null=True,
                               on_delete=models.SET_NULL, related_name="+")
    # The account's id, kept when the account itself is deleted later; empty for a retention batch.
    person_id_kept = models.PositiveBigIntegerField(_("account number"), null=True, blank=True)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("erased by"), null=True,
                              on_delete=models.SET_NULL, related_name="+")
    reason = models.CharField(_("reason"), max_length=10, choices=ErasureReason.choices, default=ErasureReason.ADMIN)
    created_at = models.DateTimeField(_("erased at"), auto_now_add=True)
    tickets = models.PositiveIntegerField(_("tickets anonymised"), default=0)
    texts = models.PositiveIntegerField(_("texts replaced"), default=0)
    attachments = models.PositiveIntegerField(_("attachments deleted"), default=0)
    mails = models.PositiveIntegerField(_("mails anonymised"), default=0)

    class Meta:
        verbose_name = _("erasure record")
        verbose_name_plural = _("erasure records")
        ordering = ["-created_at", "-id"]

    def __str__(self):
        if self.person_id_kept is None:
            return _("Retention, %(when)s") % {"when": f"{self.created_at:%Y-%m-%d %H:%M}"}
        return _("Account %(id)s, %(when)s") % {"id": self.person_id_kept, "when": f"{self.created_at:%Y-%m-%d %H:%M}"}


class RequestStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for an admin")
    DONE = "done", _("Carried out")


class ErasureRequest(models.Model):
    """A customer asked in the portal to have their data erased; an admin carries it out."""

    person = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("person"), null=True,
                               on_delete=models.SET_NULL, related_name="erasure_requests")
    status = models.CharField(_("status"), max_length=10, choices=RequestStatus.choices, default=RequestStatus.PENDING)
    created_at = models.DateTimeField(_("asked at"), auto_now_add=True)
    admins_notified_at = models.DateTimeField(_("admins notified"), null=True, blank=True, editable=False)
    record = models.OneToOneField(ErasureRecord, verbose_name=_("erasure"), null=True, blank=True,
                                  on_delete=models.SET_NULL, related_name="request")

    class Meta:
        verbose_name = _("erasure request")
        verbose_name_plural = _("erasure requests")
        ordering = ["-created_at", "-id"]
        constraints = [models.UniqueConstraint(fields=["person"], condition=Q(status="pending"),
                                               name="one_pending_erasure_request")]

    def __str__(self):
        return _("Request of account %(id)s") % {"id": self.person_id}


class RetentionPolicy(models.Model):
    """An organisation's own retention period; the others have HELPDESK_RETENTION_DAYS."""

    organisation = models.OneToOneField("tickets.Organisation", verbose_name=_("organisation"),
                                        on_delete=models.CASCADE, related_name="retention_policy")
    days = models.PositiveIntegerField(_("days closed tickets are kept"), validators=[MinValueValidator(1)])

    class Meta:
        verbose_name = _("retention period")
        verbose_name_plural = _("retention periods")
        ordering = ["organisation__name"]

    def __str__(self):
        return f"{self.organisation}: {self.days}"


class AnonymisedTicket(models.Model):
    """A ticket whose texts, mail and attachments are gone; what stays is its reference, dates,
    category, priority, tiers and SLA history. Retention skips it, so anonymising is done once."""

    ticket = models.OneToOneField("tickets.Ticket", verbose_name=_("ticket"), primary_key=True,
                                  on_delete=models.CASCADE, related_name="anonymised")
    reason = models.CharField(_("reason"), max_length=10, choices=ErasureReason.choices)
    created_at = models.DateTimeField(_("anonymised at"), auto_now_add=True)

    class Meta:
        verbose_name = _("anonymised ticket")
        verbose_name_plural = _("anonymised tickets")


class PendingSweep(models.Model):
    """What still names an erased person (address, username, full name, phone), kept only until a worker
    has searched every text column for it (services.sweep_mentions): minutes after the erasure."""

    record = models.OneToOneField(ErasureRecord, verbose_name=_("erasure"), primary_key=True,
                                  on_delete=models.CASCADE, related_name="pending_sweep")
    needles = models.JSONField(_("search terms"), default=list)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("pending search for mentions")
        verbose_name_plural = _("pending searches for mentions")
