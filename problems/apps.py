from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProblemsConfig(AppConfig):
    name = "problems"
    verbose_name = _("Problems")

    def ready(self):
        from tickets import presenters
        from tickets.models import Ticket
        from tickets.signals import agent_queue_page, agent_ticket_page

        from .presenters import describe_ticket_event
        from .receivers import problem_panel_data, queue_selection_action

        from django.db.models.signals import post_delete, post_save

        from .models import Problem
        from .selectors import forget_problems_to_link

        post_save.connect(forget_problems_to_link, sender=Problem, dispatch_uid="problems.to-link-save")
        post_delete.connect(forget_problems_to_link, sender=Problem, dispatch_uid="problems.to-link-delete")
        presenters.register_detail_renderer(describe_ticket_event)
        agent_ticket_page.connect(problem_panel_data, sender=Ticket, dispatch_uid="problems.panel")
        agent_queue_page.connect(queue_selection_action, sender=Ticket, dispatch_uid="problems.queue-selection")
