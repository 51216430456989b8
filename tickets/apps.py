from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class TicketsConfig(AppConfig):
    name = "tickets"
    verbose_name = _("Tickets")

    def ready(self):
        from django.contrib.auth import get_user_model
        from django.db.models.signals import post_delete, post_save

        from .models import Category, Tier, TierMembership
        from .selectors import forget_reference_lists

        for model in (Tier, Category, TierMembership, get_user_model()):
            post_save.connect(forget_reference_lists, sender=model, dispatch_uid=f"reference-lists-save-{model.__name__}")
            post_delete.connect(forget_reference_lists, sender=model, dispatch_uid=f"reference-lists-delete-{model.__name__}")
