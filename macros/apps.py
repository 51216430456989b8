from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MacrosConfig(AppConfig):
    name = "macros"
    verbose_name = _("Text modules")

    def ready(self):
        from tickets.models import Ticket
        from tickets.signals import agent_queue_page, agent_reply_submitted

        from .receivers import queue_selection_action, reply_with_macro

        agent_reply_submitted.connect(reply_with_macro, sender=Ticket, dispatch_uid="macros.reply")
        agent_queue_page.connect(queue_selection_action, sender=Ticket, dispatch_uid="macros.queue-selection")

        from django.db.models.signals import post_delete, post_save

        from .models import Macro
        from .selectors import forget_macro_choices

        post_save.connect(forget_macro_choices, sender=Macro, dispatch_uid="macros.choices-save")
        post_delete.connect(forget_macro_choices, sender=Macro, dispatch_uid="macros.choices-delete")
