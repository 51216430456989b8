from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class KnowledgebaseConfig(AppConfig):
    name = "knowledgebase"
    verbose_name = _("Knowledge base")

    def ready(self):
        from django.contrib.auth import get_user_model
        from django.contrib.auth.models import Group, Permission
        from django.db.models.signals import m2m_changed, post_delete, post_save

        from tickets.models import Ticket, Tier, TierMembership
        from tickets.signals import reply_draft_requested, ticket_filed_in_portal

        from .models import Article
        from .receivers import record_articles_shown, reply_from_article
        from .selectors import forget_kb_version, forget_reviewers

        ticket_filed_in_portal.connect(record_articles_shown, sender=Ticket, dispatch_uid="kb-articles-shown")
        reply_draft_requested.connect(reply_from_article, sender=Ticket, dispatch_uid="kb-use-in-reply")

        post_save.connect(forget_kb_version, sender=Article, dispatch_uid="kb-version-save")
        post_delete.connect(forget_kb_version, sender=Article, dispatch_uid="kb-version-delete")
        # Who may review: a user's flags, groups and permissions, a group's permissions.
        user = get_user_model()
        for model in (user, Group, Permission, Tier, TierMembership):
            post_save.connect(forget_reviewers, sender=model, dispatch_uid=f"kb-reviewers-save-{model.__name__}")
            post_delete.connect(forget_reviewers, sender=model, dispatch_uid=f"kb-reviewers-delete-{model.__name__}")
        for through in (user.groups.through, user.user_permissions.through, Group.permissions.through,
                        Tier.permissions.through):
            m2m_changed.connect(forget_reviewers, sender=through, dispatch_uid=f"kb-reviewers-m2m-{through.__name__}")
