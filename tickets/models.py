"""Tiers, customers and tickets with their append-only timeline.

Rows hold data and the invariants of one row; workflows (creating, replying, escalating) live in
services.py so that pages, the API, the admin and the workers share them.
"""

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.contrib.postgres.indexes import GinIndex, OpClass
from django.contrib.postgres.search import SearchVector, SearchVectorField
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Tier(models.Model):
    """A support level. Level 1 registers every case; higher levels take what lower ones cannot."""

    level = models.PositiveSmallIntegerField(
        _("level"), unique=True, validators=[MinValueValidator(1), MaxValueValidator(9)]
    )
    name = models.CharField(_("name"), max_length=80)
    lead = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("lead"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="led_tiers",
    )
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL,
        through="TierMembership",
        related_name="tiers",
        verbose_name=_("members"),
    )
    # Powers beyond the ticket actions (TierPower): Django permissions every member holds while in
    # the tier (tickets.auth.TierPermissionBackend), e.g. reviewing articles or editing categories.
    permissions = models.ManyToManyField(
        "auth.Permission", blank=True, related_name="tier_holders", verbose_name=_("permissions of its members"),
        help_text=_("What every member may do besides working tickets, e.g. review knowledge articles or "
                    "change categories, escalation rules, SLA policies and schedules."),
    )
    lead_reviews_articles = models.BooleanField(
        _("the lead reviews knowledge articles"), default=True,
        help_text=_("The tier's lead may review and publish knowledge articles, whatever the members may."),
    )

    class Meta:
        ordering = ["level"]
        verbose_name = _("support tier")
        verbose_name_plural = _("support tiers")

    def __str__(self):
        return self.name


class TierMembership(models.Model):
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("agent"), on_delete=models.CASCADE,
        related_name="tier_memberships",
    )
    tier = models.ForeignKey(Tier, verbose_name=_("tier"), on_delete=models.CASCADE, related_name="memberships")

    class Meta:
        verbose_name = _("tier membership")
        verbose_name_plural = _("tier memberships")
        constraints = [models.UniqueConstraint(fields=["agent", "tier"], name="unique_tier_membership")]

    def __str__(self):
        return f"{self.agent} @ {self.tier}"


class TicketAction(models.TextChoices):
    """The things an agent does to a ticket that a tier's powers govern (TierPower). Every service
    that changes a ticket for an agent asks tickets.powers about one of these."""

    REPLY = "reply", _("Reply to the customer and copy people in")
    NOTE = "note", _("Add internal notes, log calls and set reminders")
    STATUS = "status", _("Change the status")
    PRIORITY = "priority", _("Change the priority")
    CATEGORY = "category", _("Change the category")
    ASSIGN = "assign", _("Assign and take")
    ESCALATE = "escalate", _("Escalate")
    SEND_BACK = "send_back", _("Send back")
    LINK_PROBLEM = "link_problem", _("Link to a problem")


class Reach(models.TextChoices):
    """On which tickets, by their level against the tier's own, a power may be used."""

    NONE = "none", _("on no ticket")
    OWN_LEVEL = "own_level", _("on tickets at its own level")
    OWN_AND_BELOW = "own_and_below", _("on tickets at its own level and below")
    ALL = "all", _("on tickets at every level")


class TierPower(models.Model):
    """How far one ticket action reaches for the members of a tier. A tier without a row for an
    action has the default of tickets.powers.DEFAULT_REACH (act on your own level and below, read
    and note everywhere, escalate only at your own level)."""

    tier = models.ForeignKey(Tier, verbose_name=_("tier"), on_delete=models.CASCADE, related_name="powers")
    action = models.CharField(_("action"), max_length=16, choices=TicketAction.choices)
    reach = models.CharField(_("allowed"), max_length=16, choices=Reach.choices)

    class Meta:
        verbose_name = _("power on tickets")
        verbose_name_plural = _("powers on tickets")
        ordering = ["tier", "action"]
        constraints = [models.UniqueConstraint(fields=["tier", "action"], name="unique_tier_power")]

    def __str__(self):
        return f"{self.tier}: {self.get_action_display()} {self.get_reach_display()}"


class Organisation(models.Model):
    name = models.CharField(_("name"), max_length=200, unique=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("organisation")
        verbose_name_plural = _("organisations")

    def __str__(self):
        return self.name


class Profile(models.Model):
    """What the helpdesk knows about a person beyond the login: organisation and preferred language."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), on_delete=models.CASCADE, related_name="profile"
    )
    organisation = models.ForeignKey(
        Organisation, verbose_name=_("organisation"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="profiles",
    )
    language = models.CharField(_("language"), max_length=8, choices=settings.LANGUAGES, default="de")
    phone = models.CharField(_("phone"), max_length=40, blank=True)
    notes = models.TextField(_("notes about the customer"), blank=True, max_length=5000,
                             help_text=_("For agents only; the customer never sees them."))
    # When the person agreed to the privacy notice at registration (GDPR); empty for accounts an agent
    # or a mail made.
    privacy_consent_at = models.DateTimeField(_("consented to the privacy notice"), null=True, blank=True)

    class Meta:
        verbose_name = _("profile")
        verbose_name_plural = _("profiles")

    def __str__(self):
        return str(self.user)


class CustomerSearchEntry(models.Model):
    """What the agents' customer search reads (tickets.selectors.customer_search): for every person,
    name, e-mail address, phone number and organisation name in one text, in upper case, the words'
    first letters, the phone number's digits, the name to sort by and whether they are a customer
    (tickets.selectors.customers: active, no admin, in no tier). PostgreSQL keeps it, like an index,
    whenever a person, their profile, their organisation or their tiers change, however they change
    (ORM, admin, COPY): the triggers of tickets/migrations/0014. The application never writes it.

    One narrow table, so that all the words of a search are looked up in one trigram index at once
    (PostgreSQL intersects their trigrams), and the matches are sorted by name without a join."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, primary_key=True, on_delete=models.DO_NOTHING,
                                db_constraint=False, related_name="+")
    last_name = models.CharField(max_length=150)
    first_name = models.CharField(max_length=150)
    # UPPER(" first last email phone organisation"), PostgreSQL's upper case: each field after a space.
    text = models.TextField()
    # The first letter and the first two letters of every word of the text (split at spaces and
    # hyphens): a word of one or two letters is looked up here, where a word starts.
    word_starts = ArrayField(models.TextField())
    phone_digits = models.TextField()
    is_customer = models.BooleanField()

    class Meta:
        indexes = [
            GinIndex(OpClass("text", name="gin_trgm_ops"), name="customer_search_text_trgm",
                     condition=Q(is_customer=True)),
            GinIndex(OpClass("phone_digits", name="gin_trgm_ops"), name="customer_search_digits_trgm",
                     condition=Q(is_customer=True)),
            GinIndex(fields=["word_starts"], name="customer_search_starts_idx", condition=Q(is_customer=True)),
        ]

    def __str__(self):
        return self.text.strip()


class Category(models.Model):
    name = models.CharField(_("name"), max_length=100, unique=True)
    is_active = models.BooleanField(_("active"), default=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("category")
        verbose_name_plural = _("categories")

    def __str__(self):
        return self.name


class Priority(models.IntegerChoices):
    LOW = 1, _("Low")
    NORMAL = 2, _("Normal")
    HIGH = 3, _("High")
    URGENT = 4, _("Urgent")


class Status(models.TextChoices):
    NEW = "new", _("New")
    OPEN = "open", _("Open")
    WAITING = "waiting", _("Waiting for customer")
    ON_HOLD = "on_hold", _("On hold")
    SOLVED = "solved", _("Solved")
    CLOSED = "closed", _("Closed")


class Channel(models.TextChoices):
    """How a case or one of its entries reached the helpdesk."""

    WEB = "web", _("Web")
    EMAIL = "email", _("E-mail")
    API = "api", _("API")
    PHONE = "phone", _("Phone")
    WALK_IN = "walk_in", _("In person")
    CHAT = "chat", _("Chat")
    SYSTEM = "system", _("System")


# The ways customers reach the helpdesk themselves; the others (a call, a visit, a chat) an agent records.
CUSTOMER_CHANNELS = (Channel.WEB, Channel.EMAIL, Channel.API)

OPEN_STATUSES = (Status.NEW, Status.OPEN, Status.WAITING, Status.ON_HOLD)
SOLVED_STATUSES = (Status.SOLVED, Status.CLOSED)  # the work is done: clocks stop, knowledge is drawn from it


class Ticket(models.Model):
    reference = models.CharField(_("reference"), max_length=32, unique=True, editable=False)
    subject = models.CharField(_("subject"), max_length=200)
    description = models.TextField(_("description"), max_length=20000)
    requester = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("requester"), on_delete=models.PROTECT,
        related_name="requested_tickets",
    )
    organisation = models.ForeignKey(
        Organisation, verbose_name=_("organisation"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="tickets",
    )
    category = models.ForeignKey(
        Category, verbose_name=_("category"), null=True, blank=True, on_delete=models.PROTECT,
        related_name="tickets",
    )
    priority = models.PositiveSmallIntegerField(_("priority"), choices=Priority.choices, default=Priority.NORMAL)
    status = models.CharField(_("status"), max_length=16, choices=Status.choices, default=Status.NEW)
    tier = models.ForeignKey(Tier, verbose_name=_("tier"), on_delete=models.PROTECT, related_name="tickets")
    assignee = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("assignee"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="assigned_tickets",
    )
    channel = models.CharField(_("channel"), max_length=16, choices=Channel.choices, default=Channel.WEB)
    created_at = models.DateTimeField(_("created"), auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    solved_at = models.DateTimeField(_("solved"), null=True, blank=True)
    # The earliest due moment of the ticket's running SLA clocks. Written only by the escalation app,
    # in the transaction that changes the clocks, so the queue can sort by it with an index.
    next_breach_at = models.DateTimeField(_("next breach"), null=True, blank=True, editable=False)
    # When an agent wants to come back to the ticket (Wiedervorlage): the pending reminder's moment,
    # and once it has fired, until an agent acts on the ticket again. Written by the escalation app.
    follow_up_at = models.DateTimeField(_("follow-up"), null=True, blank=True, editable=False)
    # Full-text search over subject and description, stemmed both in German and in English (a ticket
    # carries no language of its own), kept by PostgreSQL itself.
    search_vector = models.GeneratedField(
        expression=(
            SearchVector("subject", weight="A", config="german") + SearchVector("description", weight="B", config="german")
            + SearchVector("subject", weight="A", config="english") + SearchVector("description", weight="B", config="english")
        ),
        output_field=SearchVectorField(),
        db_persist=True,
    )

    class Meta:
        verbose_name = _("ticket")
        verbose_name_plural = _("tickets")
        ordering = ["-updated_at", "-id"]
        indexes = [
            # The lists sort by last activity: each common filter has an index in that order, so a
            # page is read straight off the index and stops after its rows, however many match.
            models.Index(fields=["-updated_at", "-id"], name="ticket_recent_idx"),
            models.Index(fields=["tier", "-updated_at", "-id"], name="ticket_tier_recent_idx"),
            # The default agent queue: the open tickets of a tier.
            models.Index(fields=["tier", "-updated_at", "-id"], condition=Q(status__in=["new", "open", "waiting", "on_hold"]),
                         name="ticket_open_queue_idx"),
            models.Index(fields=["-updated_at", "-id"], condition=Q(status__in=["new", "open", "waiting", "on_hold"]),
                         name="ticket_open_recent_idx"),
            models.Index(fields=["tier", "status", "-updated_at"], name="ticket_queue_idx"),
            models.Index(fields=["requester", "-updated_at", "-id"], name="ticket_requester_idx"),
            models.Index(fields=["assignee", "status"], name="ticket_assignee_idx"),
            models.Index(fields=["next_breach_at"], condition=Q(next_breach_at__isnull=False), name="ticket_next_breach_idx"),
            GinIndex(fields=["search_vector"], name="ticket_search_idx"),
            # The knowledge-base search walks the newest solved tickets (knowledgebase.selectors); the
            # newest tickets are mostly still open, and this walk skips them.
            models.Index(fields=["id"], condition=Q(status__in=["solved", "closed"]), name="ticket_solved_idx"),
        ]

    def __str__(self):
        return f"{self.reference} {self.subject}"

    @property
    def is_open(self):
        return self.status in OPEN_STATUSES


class EventKind(models.TextChoices):
    CREATED = "created", _("Created")
    REPLY = "reply", _("Reply")
    NOTE = "note", _("Internal note")
    STATUS = "status", _("Status changed")
    PRIORITY = "priority", _("Priority changed")
    CATEGORY = "category", _("Category changed")
    ASSIGNMENT = "assignment", _("Assignment changed")
    TIER = "tier", _("Tier changed")
    AUTOMATION = "automation", _("Automatic action")
    COLLABORATORS = "collaborators", _("Collaborators changed")
    CALL = "call", _("Phone call")
    PROBLEM = "problem", _("Problem")


class TicketEvent(models.Model):
    """One entry of a ticket's history. Append-only: never updated, never deleted by the application.

    `data` holds the structured facts (old and new values, the reason, the rule that fired) so that
    every reader sees the entry rendered in their own language.
    """

    ticket = models.ForeignKey(Ticket, verbose_name=_("ticket"), on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(_("kind"), max_length=16, choices=EventKind.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("actor"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="+",
    )
    is_public = models.BooleanField(_("visible to the customer"), default=True)
    channel = models.CharField(_("channel"), max_length=16, choices=Channel.choices, default=Channel.WEB)
    body = models.TextField(_("text"), blank=True)
    data = models.JSONField(_("data"), default=dict, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("ticket event")
        verbose_name_plural = _("ticket events")
        ordering = ["created_at", "id"]
        indexes = [models.Index(fields=["ticket", "created_at"], name="ticketevent_timeline_idx")]
        constraints = [
            models.CheckConstraint(
                condition=~Q(kind="note") | Q(is_public=False), name="ticketevent_note_is_internal"
            )
        ]

    def __str__(self):
        return f"{self.ticket_id} {self.kind} {self.created_at:%Y-%m-%d %H:%M}"


def attachment_path(instance, filename):
    return f"attachments/{instance.ticket_id}/{filename}"


class Attachment(models.Model):
    ticket = models.ForeignKey(Ticket, verbose_name=_("ticket"), on_delete=models.CASCADE, related_name="attachments")
    event = models.ForeignKey(
        TicketEvent, verbose_name=_("event"), on_delete=models.CASCADE, related_name="attachments"
    )
    file = models.FileField(_("file"), upload_to=attachment_path)
    name = models.CharField(_("file name"), max_length=255)
    size = models.PositiveBigIntegerField(_("size in bytes"))
    content_type = models.CharField(_("content type"), max_length=120, blank=True)
    # A mail's inline image: the HTML of that mail refers to it as cid:<content_id>.
    content_id = models.CharField(_("content ID"), max_length=255, blank=True)
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("uploaded by"), null=True, on_delete=models.SET_NULL,
        related_name="+",
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("attachment")
        verbose_name_plural = _("attachments")
        ordering = ["id"]

    def __str__(self):
        return self.name


class Collaborator(models.Model):
    """Someone besides the requester who follows a ticket: copied in (Cc) on a mail, or added by an
    agent. Public answers go to them too; they may answer. Not everyone has an account."""

    ticket = models.ForeignKey(Ticket, verbose_name=_("ticket"), on_delete=models.CASCADE, related_name="collaborators")
    email = models.EmailField(_("e-mail address"), max_length=254)
    name = models.CharField(_("name"), max_length=200, blank=True)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, verbose_name=_("user"), null=True, blank=True, on_delete=models.SET_NULL,
        related_name="collaborations",
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)

    class Meta:
        verbose_name = _("collaborator")
        verbose_name_plural = _("collaborators")
        ordering = ["id"]
        constraints = [models.UniqueConstraint(fields=["ticket", "email"], name="unique_ticket_collaborator")]

    def __str__(self):
        return self.email
