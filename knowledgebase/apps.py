from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class KnowledgebaseConfig(AppConfig):
    name = "knowledgebase"
    verbose_name = _("Knowledge base")

    def ready(self):
        from django.db.models.signals import post_delete, post_save

        from tickets.models import Ticket
        from tickets.signals import reply_draft_requested, ticket_filed_in_portal

        from .models import Article
        from .receivers import record_articles_shown, reply_from_article
        from .selectors import forget_kb_version

        ticket_filed_in_portal.connect(record_articles_shown, sender=Ticket, dispatch_uid="kb-articles-shown")
        reply_draft_requested.connect(reply_from_article, sender=Ticket, dispatch_uid="kb-use-in-reply")

        post_save.connect(forget_kb_version, sender=Article, dispatch_uid="kb-version-save")
        post_delete.connect(forget_kb_version, sender=Article, dispatch_uid="kb-version-delete")
