from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class EscalationConfig(AppConfig):
    name = "escalation"
    verbose_name = _("SLA and escalation")

    def ready(self):
        from tickets import presenters
        from tickets.models import Ticket
        from tickets.signals import agent_ticket_page, ticket_changed

        from .clocks import on_ticket_event
        from .presenters import describe_ticket_event
        from .receivers import sla_panel_data

        from .reminders import on_ticket_event as follow_up_taken

        def keep_clocks_in_step(sender, ticket, event, **kwargs):
            on_ticket_event(ticket, event)
            follow_up_taken(ticket, event)

        ticket_changed.connect(keep_clocks_in_step, sender=Ticket, weak=False, dispatch_uid="escalation.clocks")
        presenters.register_detail_renderer(describe_ticket_event)
        agent_ticket_page.connect(sla_panel_data, sender=Ticket, dispatch_uid="escalation.sla-panel")

        from django.db.models.signals import m2m_changed, post_delete, post_save

        from .clocks import forget_policies
        from .models import BusinessInterval, Holiday, Schedule, SlaPolicy, SlaTarget

        for model in (SlaPolicy, SlaTarget, Schedule, BusinessInterval, Holiday):
            for signal in (post_save, post_delete):
                signal.connect(forget_policies, sender=model, dispatch_uid=f"escalation.policies.{model.__name__}.{id(signal)}")
        for through in (SlaPolicy.categories.through, SlaPolicy.organisations.through):
            m2m_changed.connect(forget_policies, sender=through, dispatch_uid=f"escalation.policies.{through.__name__}")
