"""Problems: the one cause behind many tickets (ITIL's problem record), its timeline, the broadcasts
that tell every linked customer the workaround or the resolution, and the change proposals that stop
it from coming back."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ProblemStatus(models.TextChoices):
    NEW = "new", _("New")
    INVESTIGATING = "investigating", _("Investigating")
    KNOWN_ERROR = "known_error", _("Known error")
    CHANGE_PROPOSED = "change_proposed", _("Change proposed")
    RESOLVED = "resolved", _("Resolved")
    CLOSED = "closed", _("Closed")


# A problem still being worked: tickets may be linked, a workaround published, a change proposed.
ACTIVE_STATUSES = (ProblemStatus.NEW, ProblemStatus.INVESTIGATING, ProblemStatus.KNOWN_ERROR,
                   ProblemStatus.CHANGE_PROPOSED)


class Problem(models.Model):
    title = models.CharField(_("title"), max_length=200)
    description = models.TextField(_("description"), blank=True,
                                   help_text=_("What the engineers know, for agents only."))
    summary = models.TextField(
        _("summary for customers"), blank=True,
        help_text=_("In plain words, without jargon: what happened and what it means for the customer."))
    cause = models.TextField(_("root cause"), blank=True)
    affected_systems = models.CharField(_("affected systems"), max_length=300, blank=True)
    affected_versions = models.CharField(_("affected versions"), max_length=200, blank=True)
    workaround = models.TextField(_("workaround"), blank=True)
    resolution = models.TextField(_("resolution"), blank=True)
    status = models.CharField(_("status"), max_length=16, choices=ProblemStatus.choices, default=ProblemStatus.NEW)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("owner"), on_delete=models.PROTECT,
                              related_name="owned_problems")
    article = models.ForeignKey("knowledgebase.Article", verbose_name=_("known-error article"), null=True,
                                blank=True, on_delete=models.SET_NULL, related_name="problems")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("created by"), null=True,
                                   on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    workaround_published_at = models.DateTimeField(_("workaround published"), null=True, blank=True)
    hold_on_workaround = models.BooleanField(
        _("put tickets on hold with the workaround"), default=False,
        help_text=_("Linked tickets wait for the fix: on hold pauses the clocks the SLA policy pauses."))
    resolved_at = models.DateTimeField(_("resolved"), null=True, blank=True)
    resolved_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("resolved by"), null=True,
                                    blank=True, on_delete=models.SET_NULL, related_name="+")
    solve_on_resolution = models.BooleanField(
        _("solve the tickets with the resolution"), default=True,
        help_text=_("Otherwise they stay open at their level, to confirm the fix with the customer."))

    class Meta:
        verbose_name = _("problem")
        verbose_name_plural = _("problems")
        ordering = ["-updated_at", "-id"]
        indexes = [models.Index(fields=["status", "-updated_at"])]

    def __str__(self):
        return f"{self.reference} {self.title}"

    @property
    def reference(self) -> str:
        return f"PRB-{self.pk:05d}" if self.pk else "PRB-?"

    @property
    def is_active(self) -> bool:
        return self.status in ACTIVE_STATUSES


class ProblemTicket(models.Model):
    """A ticket caused by the problem. One problem per ticket. The two moments say what the customer
    has been told; a broadcast sets them in the same transaction as the reply, so a killed worker
    resumes without telling anyone twice."""

    problem = models.ForeignKey(Problem, verbose_name=_("problem"), on_delete=models.CASCADE, related_name="links")
    ticket = models.OneToOneField("tickets.Ticket", verbose_name=_("ticket"), on_delete=models.CASCADE,
                                  related_name="problem_link")
    linked_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("linked by"), null=True,
                                  on_delete=models.SET_NULL, related_name="+")
    linked_at = models.DateTimeField(_("linked"), auto_now_add=True)
    workaround_sent_at = models.DateTimeField(_("workaround sent"), null=True, blank=True)
    resolution_sent_at = models.DateTimeField(_("resolution sent"), null=True, blank=True)

    class Meta:
        verbose_name = _("linked ticket")
        verbose_name_plural = _("linked tickets")
        ordering = ["-linked_at", "-id"]
        indexes = [models.Index(fields=["problem", "workaround_sent_at"]),
                   models.Index(fields=["problem", "resolution_sent_at"]),
                   # The problem page's list, newest first: 25 rows of 10,000 without sorting them all.
                   models.Index(fields=["problem", "-linked_at", "-id"], name="problem_link_recent_idx")]

    def __str__(self):
        return f"{self.problem.reference} <- {self.ticket_id}"


class ProblemEventKind(models.TextChoices):
    CREATED = "created", _("Created")
    UPDATED = "updated", _("Changed")
    STATUS = "status", _("Status changed")
    LINKED = "linked", _("Tickets linked")
    UNLINKED = "unlinked", _("Ticket unlinked")
    WORKAROUND = "workaround", _("Workaround published")
    RESOLVED = "resolved", _("Resolved")
    BROADCAST = "broadcast", _("Customers informed")
    PROPOSAL = "proposal", _("Change proposed")
    DECISION = "decision", _("Change proposal decided")


class ProblemEvent(models.Model):
    """One entry of a problem's history, append-only like a ticket's; `data` holds the facts."""

    problem = models.ForeignKey(Problem, verbose_name=_("problem"), on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(_("kind"), max_length=16, choices=ProblemEventKind.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("by"), null=True, blank=True,
                              on_delete=models.SET_NULL, related_name="+")
    body = models.TextField(_("text"), blank=True)
    data = models.JSONField(_("facts"), default=dict, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True, db_index=True)

    class Meta:
        verbose_name = _("problem event")
        verbose_name_plural = _("problem events")
        ordering = ["created_at", "id"]


class BroadcastKind(models.TextChoices):
    WORKAROUND = "workaround", _("Workaround")
    RESOLUTION = "resolution", _("Resolution")


class Broadcast(models.Model):
    """Telling every linked open ticket the workaround or the resolution, in batches by a worker.
    The progress shows on the problem; a beat sweep resumes one whose worker died."""

    problem = models.ForeignKey(Problem, verbose_name=_("problem"), on_delete=models.CASCADE, related_name="broadcasts")
    kind = models.CharField(_("kind"), max_length=16, choices=BroadcastKind.choices)
    started_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("started by"), on_delete=models.PROTECT,
                                   related_name="+")
    created_at = models.DateTimeField(_("started"), auto_now_add=True)
    heartbeat_at = models.DateTimeField(_("last progress"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished"), null=True, blank=True)
    total = models.PositiveIntegerField(_("tickets"), default=0)
    done = models.PositiveIntegerField(_("answered"), default=0)
    skipped = models.PositiveIntegerField(_("skipped"), default=0)
    skipped_links = models.ManyToManyField(ProblemTicket, verbose_name=_("skipped tickets"), blank=True,
                                           related_name="+")

    class Meta:
        verbose_name = _("broadcast")
        verbose_name_plural = _("broadcasts")
        ordering = ["-created_at", "-id"]

    @property
    def percent(self) -> int:
        if not self.total:
            return 100
        return min(100, round(100 * (self.done + self.skipped) / self.total))


class ProposalStatus(models.TextChoices):
    PROPOSED = "proposed", _("Proposed")
    APPROVED = "approved", _("Approved")
    REJECTED = "rejected", _("Rejected")
    IMPLEMENTED = "implemented", _("Implemented")


class Risk(models.TextChoices):
    LOW = "low", _("Low")
    MEDIUM = "medium", _("Medium")
    HIGH = "high", _("High")


class ChangeProposal(models.Model):
    """A general change that stops the problem from coming back, decided by a tier lead or an admin."""

    problem = models.ForeignKey(Problem, verbose_name=_("problem"), on_delete=models.CASCADE, related_name="proposals")
    title = models.CharField(_("what to change"), max_length=200)
    reason = models.TextField(_("why"))
    risk = models.CharField(_("risk"), max_length=8, choices=Risk.choices, default=Risk.MEDIUM)
    components = models.CharField(_("affected components"), max_length=300, blank=True)
    status = models.CharField(_("status"), max_length=12, choices=ProposalStatus.choices, default=ProposalStatus.PROPOSED)
    proposed_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("proposed by"), on_delete=models.PROTECT,
                                    related_name="+")
    proposed_at = models.DateTimeField(_("proposed"), auto_now_add=True)
    decided_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("decided by"), null=True, blank=True,
                                   on_delete=models.SET_NULL, related_name="+")
    decided_at = models.DateTimeField(_("decided"), null=True, blank=True)
    decision_reason = models.TextField(_("reason for the decision"), blank=True)
    implemented_at = models.DateTimeField(_("implemented"), null=True, blank=True)

    class Meta:
        verbose_name = _("change proposal")
        verbose_name_plural = _("change proposals")
        ordering = ["-proposed_at", "-id"]

    def __str__(self):
        return self.title


class CandidateDismissal(models.Model):
    """A ticket the 3rd level looked at among the candidates and judged not part of a problem: it is
    not proposed again (problems.selectors.problem_candidates)."""

    ticket = models.OneToOneField("tickets.Ticket", verbose_name=_("ticket"), on_delete=models.CASCADE,
                                  related_name="+")
    dismissed_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("dismissed by"), null=True,
                                     on_delete=models.SET_NULL, related_name="+")
    dismissed_at = models.DateTimeField(_("dismissed"), auto_now_add=True)

    class Meta:
        verbose_name = _("dismissed candidate")
        verbose_name_plural = _("dismissed candidates")

    def __str__(self):
        return str(self.ticket_id)
