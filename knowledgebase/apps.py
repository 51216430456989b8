from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class KnowledgebaseConfig(AppConfig):
    name = "knowledgebase"
    verbose_name = _("Knowledge base")

    def ready(self):
        from django.db.models.signals import post_delete, post_save

        from .models import Article
        from .selectors import forget_kb_version

        post_save.connect(forget_kb_version, sender=Article, dispatch_uid="kb-version-save")
        post_delete.connect(forget_kb_version, sender=Article, dispatch_uid="kb-version-delete")
