from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class MailChannelConfig(AppConfig):
    name = "mailchannel"
    verbose_name = _("E-mail")

    def ready(self):
        from tickets import presenters
        from tickets.models import Ticket
        from tickets.signals import ticket_changed

        from .outbound import record_event_mail
        from .presenters import describe_mail_event

        def mail_the_customer(sender, ticket, event, **kwargs):
            record_event_mail(ticket, event)

        ticket_changed.connect(mail_the_customer, sender=Ticket, weak=False, dispatch_uid="mailchannel.outbound")

        from django.contrib.auth import get_user_model

        from tickets.signals import registration_requested

        from .outbound import record_registration_mail

        def mail_the_registrant(sender, user, address, kind, url, language, **kwargs):
            record_registration_mail(user=user, address=address, kind=kind, url=url, language=language)

        registration_requested.connect(mail_the_registrant, sender=get_user_model(), weak=False,
                                       dispatch_uid="mailchannel.registration")

        from django.db.models.signals import post_delete, post_save

        from .models import Mailbox
        from .outbound import forget_default_mailbox, forget_own_addresses

        post_save.connect(forget_own_addresses, sender=Mailbox, dispatch_uid="mailchannel.own-addresses-save")
        post_delete.connect(forget_own_addresses, sender=Mailbox, dispatch_uid="mailchannel.own-addresses-delete")
        post_save.connect(forget_default_mailbox, sender=Mailbox, dispatch_uid="mailchannel.default-mailbox-save")
        post_delete.connect(forget_default_mailbox, sender=Mailbox, dispatch_uid="mailchannel.default-mailbox-delete")
        presenters.register_detail_renderer(describe_mail_event)
