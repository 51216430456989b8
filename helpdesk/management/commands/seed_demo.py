"""Demo data to log in to: three tiers with agents, an admin, two customers, categories and tickets.

Idempotent: running it again changes nothing that is already there.
"""

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand
from django.db import transaction

from tickets import services
from tickets.models import Category, Organisation, Priority, Profile, Ticket, Tier, TierMembership

PASSWORD = "demo1234"

# (level, English name, German name): names are shown in the reader's language (tickets/translation.py).
TIERS = [(1, "1st Level", "1. Level"), (2, "2nd Level", "2. Level"), (3, "3rd Level", "3. Level")]
AGENTS = [
    ("first1", "Lena", "Schmidt", 1, True),
    ("first2", "Tom", "Becker", 1, False),
    ("second1", "Mara", "Wolf", 2, True),
    ("second2", "Jonas", "Keller", 2, False),
    ("third1", "Eva", "Hartmann", 3, True),
]
CUSTOMERS = [
    ("anna@example.com", "Anna", "Meier", "Meier Logistik GmbH", "de"),
    ("ben@example.com", "Ben", "Taylor", "Taylor & Sons Ltd", "en"),
]
CATEGORIES = [("Account & Login", "Konto & Anmeldung"), ("Billing", "Abrechnung"), ("E-mail", "E-Mail"),
              ("Network & VPN", "Netzwerk & VPN"), ("Hardware", "Hardware"), ("Software", "Software")]


class Command(BaseCommand):
    help = "Load demo tiers, agents, customers, categories and tickets (idempotent)."

    @transaction.atomic
    def handle(self, *args, **options):
        User = get_user_model()
        admin, created = User.objects.get_or_create(
            username="admin", defaults={"email": "admin@example.com", "is_staff": True, "is_superuser": True,
                                        "first_name": "Admin"},
        )
        if created:
            admin.set_password(PASSWORD)
            admin.save()

        tiers = {}
        for level, english, german in TIERS:
            tiers[level], _ = Tier.objects.get_or_create(level=level, defaults={"name_en": english, "name_de": german})
            if not tiers[level].name_de:  # made before names had a German column
                Tier.objects.filter(pk=tiers[level].pk).update(name_de=german)

        for username, first, last, level, is_lead in AGENTS:
            agent, created = User.objects.get_or_create(
                username=username,
                defaults={"email": f"{username}@helpdesk.example", "first_name": first, "last_name": last,
                          "is_staff": False},
            )
            if created:
                agent.set_password(PASSWORD)
                agent.save()
            Profile.objects.get_or_create(user=agent, defaults={"language": "de"})
            TierMembership.objects.get_or_create(agent=agent, tier=tiers[level])
            if is_lead and tiers[level].lead_id is None:
                tiers[level].lead = agent
                tiers[level].save(update_fields=["lead"])

        for english, german in CATEGORIES:
            category, _ = Category.objects.get_or_create(name_en=english, defaults={"name_de": german})
            if not category.name_de:
                Category.objects.filter(pk=category.pk).update(name_de=german)

        customers = []
        for email, first, last, org_name, language in CUSTOMERS:
            organisation, _ = Organisation.objects.get_or_create(name=org_name)
            customer = User.objects.filter(username=email).first()
            if customer is None:
                customer = services.customer_register(
                    email=email, password=PASSWORD, first_name=first, last_name=last,
                    language=language, organisation=organisation, consent=True,
                )
            customers.append(customer)

        self._sla(tiers)
        self._articles(admin)
        if Ticket.objects.filter(requester__in=customers).exists():
            self.stdout.write("Demo data already present.")
            return
        self._demo_tickets(customers, tiers)
        self.stdout.write(self.style.SUCCESS("Demo data loaded."))

    def _sla(self, tiers):
        """Office hours in Bavaria, one default policy and the climb 1st -> 2nd -> 3rd level."""
        from datetime import time, timedelta

        from escalation.models import BusinessInterval, EscalationRule, Metric, RuleAction, Schedule, SlaPolicy, SlaTarget
        from escalation.schedules import import_public_holidays

        schedule, created = Schedule.objects.get_or_create(
            name="Bürozeiten Bayern", defaults={"time_zone": "Europe/Berlin", "holiday_region": "DE-BY"}
        )
        if created:
            for day in range(5):
                BusinessInterval.objects.create(schedule=schedule, weekday=day, start=time(8), end=time(12))
                BusinessInterval.objects.create(schedule=schedule, weekday=day, start=time(13), end=time(17))
            import_public_holidays(schedule=schedule)
        policy, created = SlaPolicy.objects.get_or_create(
            name="Standard", defaults={"is_default": True, "schedule": schedule, "position": 100}
        )
        if created:
            hours = timedelta(hours=1)
            targets = {  # priority: first response, next response, resolution, time at tier
                Priority.LOW: (8 * hours, 16 * hours, 40 * hours, 16 * hours),
                Priority.NORMAL: (4 * hours, 8 * hours, 24 * hours, 8 * hours),
                Priority.HIGH: (1 * hours, 4 * hours, 8 * hours, 4 * hours),
                Priority.URGENT: (timedelta(minutes=30), 1 * hours, 4 * hours, 1 * hours),
            }
            metrics = (Metric.FIRST_RESPONSE, Metric.NEXT_RESPONSE, Metric.RESOLUTION, Metric.TIER_TIME)
            for priority, durations in targets.items():
                for metric, duration in zip(metrics, durations):
                    SlaTarget.objects.create(policy=policy, metric=metric, priority=priority, duration=duration,
                                             business_hours=priority != Priority.URGENT)
        if not EscalationRule.objects.exists():
            EscalationRule.objects.create(name="Zeit im Level überschritten: ein Level höher", position=10,
                                          metric=Metric.TIER_TIME, action=RuleAction.NEXT_TIER)
            EscalationRule.objects.create(name="Lösungszeit überschritten: Priorität erhöhen", position=20,
                                          metric=Metric.RESOLUTION, action=RuleAction.NOTIFY, raise_priority=True)
            EscalationRule.objects.create(name="Erste Antwort überfällig: Leitung informieren", position=30,
                                          metric=Metric.FIRST_RESPONSE, action=RuleAction.NOTIFY)

    def _articles(self, reviewer):
        """A few published articles, so the knowledge base and the suggestions have something to show."""
        from knowledgebase import services as kb
        from knowledgebase.models import Article

        if Article.objects.exists():
            return
        author = get_user_model().objects.get(username="third1")
        vpn = Category.objects.get(name_en="Network & VPN")
        login = Category.objects.get(name_en="Account & Login")
        articles = [
            dict(title="VPN trennt die Verbindung alle zehn Minuten", language="de", category=vpn,
                 problem="Der VPN-Client trennt die Verbindung regelmäßig nach etwa zehn Minuten.",
                 environment="VPN-Client 4.2 unter Windows 11", cause="Fehler beim Schlüsselwechsel (Rekeying) in Version 4.2.",
                 resolution="VPN-Client auf Version 4.3 aktualisieren und den Rechner neu starten.",
                 summary="Eine ältere Version des VPN-Programms verliert die Verbindung; das Update behebt es."),
            dict(title="Passwort zurücksetzen", language="de", category=login,
                 problem="Ich habe mein Passwort vergessen und komme nicht mehr ins Portal.",
                 resolution="Auf der Anmeldeseite „Passwort vergessen?“ wählen und dem Link in der E-Mail folgen.",
                 summary="Über „Passwort vergessen?“ legen Sie selbst ein neues Passwort fest."),
            dict(title="Two-factor codes are rejected", language="en", category=login,
                 problem="The authenticator app's codes are always rejected at login.",
                 cause="The phone's clock is out of sync.",
                 resolution="Turn on automatic date and time on the phone, then try a new code.",
                 summary="The codes depend on the phone's time; automatic time fixes it."),
        ]
        for fields in articles:
            article = kb.article_create(author=author, audience="public", **fields)
            kb.article_submit(article=article, actor=author)
            kb.article_publish(article=article, reviewer=reviewer)

    def _demo_tickets(self, customers, tiers):
        anna, ben = customers
        User = get_user_model()
        first1 = User.objects.get(username="first1")
        second1 = User.objects.get(username="second1")
        login = Category.objects.get(name_en="Account & Login")
        vpn = Category.objects.get(name_en="Network & VPN")
        mail = Category.objects.get(name_en="E-mail")

        services.ticket_create(
            requester=anna, category=login, subject="Passwort vergessen",
            description="Ich komme seit heute Morgen nicht mehr ins Kundenportal. Das Zurücksetzen des "
                        "Passworts schickt keine E-Mail.",
        )
        vpn_ticket = services.ticket_create(
            requester=anna, category=vpn, subject="VPN bricht alle 10 Minuten ab",
            description="Seit dem Update auf Version 4.2 trennt der VPN-Client die Verbindung alle zehn "
                        "Minuten. Betroffen sind alle Kolleginnen im Lager.",
        )
        services.ticket_take(ticket=vpn_ticket, agent=first1)
        services.ticket_reply(
            ticket=vpn_ticket, author=first1,
            body="Danke für die Meldung. Können Sie uns die Protokolldatei des Clients schicken?",
            status="waiting",
        )
        services.ticket_reply(ticket=vpn_ticket, author=anna, body="Die Protokolldatei hängt an.")
        services.ticket_add_note(
            ticket=vpn_ticket, author=first1,
            body="Log zeigt Timeouts beim Rekeying. Bekannter Fehler in 4.2? Bitte 2nd Level prüfen.",
        )
        services.ticket_escalate(
            ticket=vpn_ticket, actor=first1,
            reason="Rekeying-Timeouts im Log, nicht mit den Standardschritten lösbar.",
        )
        services.ticket_take(ticket=vpn_ticket, agent=second1)

        services.ticket_create(
            requester=ben, category=mail, subject="Shared mailbox not visible in Outlook",
            description="Since Monday the shared mailbox support@ no longer shows up in Outlook on my laptop.",
            priority=Priority.HIGH, actor=first1,
        )
        solved = services.ticket_create(
            requester=ben, category=login, subject="Two-factor codes rejected",
            description="The authenticator codes are always rejected when I log in.",
        )
        services.ticket_reply(
            ticket=solved, author=first1,
            body="The clock on your phone was out of sync. Please enable automatic time and try again.",
        )
        services.ticket_change_status(ticket=solved, actor=ben, status="solved")
        # One cause, several tickets not yet grouped: the 3rd level's suggested groups show them.
        hardware = Category.objects.get(name_en="Hardware")
        for requester, subject in ((anna, "Drucker im Lager druckt nicht"), (ben, "Drucker im Lager druckt nur leere Seiten"),
                                   (anna, "Lagerdrucker: Drucker druckt nicht mehr")):
            services.ticket_create(requester=requester, category=hardware, subject=subject,
                                   description="Die Aufträge hängen in der Warteschlange.")
        self._problem(vpn_ticket)
        self._macros(admin_user=get_user_model().objects.get(username="admin"))

    def _macros(self, admin_user):
        """Text modules for everyone, in both languages: `::` in a reply box offers them."""
        from macros import services as macros

        macros.macro_create(
            actor=admin_user, scope="global", title_de="Bitte Protokoll senden", title_en="Please send the log",
            body_de="Hallo {customer_first_name},\n\nbitte senden Sie uns die Protokolldatei des Programms als Anhang.\n\n"
                    "Viele Grüße\n{agent_name}",
            body_en="Hello {customer_first_name},\n\nplease send us the program's log file as an attachment.\n\n"
                    "Kind regards\n{agent_name}",
            set_status="waiting")
        macros.macro_create(
            actor=admin_user, scope="global", title_de="Gelöst: Neustart", title_en="Solved: restart",
            body_de="Hallo {customer_first_name},\n\nnach einem Neustart funktioniert es wieder. Melden Sie sich gern, "
                    "falls der Fehler erneut auftritt.\n\nViele Grüße\n{agent_name}",
            body_en="Hello {customer_first_name},\n\nit works again after a restart. Let us know if the error comes "
                    "back.\n\nKind regards\n{agent_name}",
            set_status="solved")

    def _problem(self, vpn_ticket):
        """A problem the 3rd level works: the VPN ticket is one of its incidents, a change is proposed."""
        from problems import services as problems

        engineer = get_user_model().objects.get(username="third1")
        problem = problems.problem_create(
            actor=engineer, title="VPN-Client 4.2: Abbrüche beim Rekeying", tickets=[vpn_ticket],
            description="Client 4.2 verkürzt das Rekeying-Intervall; das Gateway verwirft den Schlüsseltausch.",
            cause="Rekeying-Intervall des Clients kürzer als das Timeout des Gateways.",
            affected_systems="VPN-Gateway, VPN-Client", affected_versions="4.2.0–4.2.1",
            summary_de="Seit dem Update auf Version 4.2 trennt das VPN regelmäßig die Verbindung. Wir kennen die Ursache.",
            summary_en="Since the update to version 4.2 the VPN disconnects regularly. We know the cause.",
            workaround_de="Verbinden Sie sich nach dem Abbruch neu; Dateien speichern Sie solange lokal.",
            workaround_en="Reconnect after the drop; meanwhile save files locally.",
        )
        problems.proposal_create(problem=problem, actor=engineer, title="Rekeying-Intervall im Gateway auf 60 Minuten",
                                 reason="Beendet die Abbrüche für alle Clients 4.2 ohne Client-Update.", risk="low",
                                 components="VPN-Gateway")
