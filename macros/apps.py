from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MacrosConfig(AppConfig):
    name = "macros"
    verbose_name = _("Text modules")

    def ready(self):
        from tickets.models import Ticket
        from tickets.signals import agent_reply_submitted

        from .receivers import reply_with_macro

        agent_reply_submitted.connect(reply_with_macro, sender=Ticket, dispatch_uid="macros.reply")
