"""Text modules ("macros"): a reply text per language with placeholders, and the changes it makes
to the ticket when it is sent (status, priority, category, taking it, escalating)."""

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from tickets.models import Category, Priority, Status, Tier


class Scope(models.TextChoices):
    PERSONAL = "personal", _("Personal")
    TIER = "tier", _("Tier")
    GLOBAL = "global", _("Everyone")


class Macro(models.Model):
    # title and body have a column per language (macros/translation.py): the ticket's language picks the text.
    title = models.CharField(_("title"), max_length=120)
    body = models.TextField(_("text"), max_length=20000, blank=True)
    scope = models.CharField(_("available to"), max_length=10, choices=Scope.choices, default=Scope.PERSONAL)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("owner"), null=True, blank=True,
                              on_delete=models.CASCADE, related_name="macros")
    tier = models.ForeignKey(Tier, verbose_name=_("tier"), null=True, blank=True, on_delete=models.CASCADE,
                             related_name="macros")
    set_status = models.CharField(_("set the status to"), max_length=16, choices=Status.choices, blank=True)
    set_priority = models.PositiveSmallIntegerField(_("set the priority to"), choices=Priority.choices, null=True,
                                                    blank=True)
    set_category = models.ForeignKey(Category, verbose_name=_("set the category to"), null=True, blank=True,
                                     on_delete=models.SET_NULL, related_name="+")
    take = models.BooleanField(_("assign the ticket to me"), default=False)
    escalate = models.BooleanField(_("escalate to the next level"), default=False)
    escalate_reason = models.CharField(_("reason for the escalation"), max_length=2000, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, verbose_name=_("created by"), null=True,
                                   on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("text module")
        verbose_name_plural = _("text modules")
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=(Q(scope="personal", owner__isnull=False, tier__isnull=True)
                           | Q(scope="tier", tier__isnull=False, owner__isnull=True)
                           | Q(scope="global", tier__isnull=True, owner__isnull=True)),
                name="macro_scope_names_its_owner_or_tier",
            ),
        ]
        indexes = [models.Index(fields=["scope", "tier"], name="macro_scope_tier_idx"),
                   models.Index(fields=["owner"], name="macro_owner_idx")]

    def __str__(self):
        return self.title

    @property
    def has_actions(self) -> bool:
        return bool(self.set_status or self.set_priority or self.set_category_id or self.take or self.escalate)
