"""Test data in one line each. Tickets are made through the service, like in production."""

import factory
from django.contrib.auth import get_user_model

from tickets import services
from tickets.models import Category, Organisation, Profile, Tier, TierMembership

PASSWORD = "s3cret-pass!"


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = get_user_model()
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}@example.com")
    email = factory.SelfAttribute("username")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def save_password(obj, create, extracted, **kwargs):
        if create:
            obj.save()


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation

    name = factory.Sequence(lambda n: f"Organisation {n}")


class CustomerFactory(UserFactory):
    @factory.post_generation
    def profile(obj, create, extracted, **kwargs):
        if create:
            Profile.objects.get_or_create(user=obj, defaults={"language": kwargs.get("language", "en")})


class _EnglishName:
    """`name=` of a translated model (tickets/translation.py) is its English name, whichever language
    a test left active (a request through the test client leaves its language on)."""

    @classmethod
    def _adjust_kwargs(cls, **kwargs):
        if "name" in kwargs:
            kwargs["name_en"] = kwargs.pop("name")
        return kwargs


class TierFactory(_EnglishName, factory.django.DjangoModelFactory):
    class Meta:
        model = Tier
        django_get_or_create = ("level",)

    level = factory.Sequence(lambda n: n + 1)
    name = factory.LazyAttribute(lambda o: {1: "1st Level", 2: "2nd Level", 3: "3rd Level"}.get(o.level, f"Level {o.level}"))


def make_agent(tier, username=None, **kwargs):
    agent = UserFactory(username=username or f"agent{UserFactory._meta.next_sequence()}", **kwargs)
    TierMembership.objects.get_or_create(agent=agent, tier=tier)
    Profile.objects.get_or_create(user=agent, defaults={"language": "en"})
    return agent


class CategoryFactory(_EnglishName, factory.django.DjangoModelFactory):
    class Meta:
        model = Category
        django_get_or_create = ("name_en",)

    name = factory.Sequence(lambda n: f"Category {n}")


def make_ticket(requester, subject="Printer on fire", description="It smells of smoke.", **kwargs):
    return services.ticket_create(requester=requester, subject=subject, description=description, **kwargs)


def make_ticket_history(requester, *, open_count=0, earlier_count=0, subject="Case"):
    """A customer's history: `open_count` open and `earlier_count` closed tickets, made through the
    service, then aged so that the lists' order is known: subjects "<subject> open 001", "... open 002",
    "<subject> earlier 001", ... (numbered from 001) from the newest to the oldest activity in each list."""
    from datetime import timedelta

    from django.utils import timezone

    from tickets.models import Status, Ticket

    now = timezone.now()
    made = []
    for kind, count, status in (("open", open_count, Status.OPEN), ("earlier", earlier_count, Status.CLOSED)):
        for n in range(1, count + 1):
            ticket = make_ticket(requester, subject=f"{subject} {kind} {n:03d}", notify=False)
            moment = now - timedelta(hours=n)
            Ticket.objects.filter(pk=ticket.pk).update(
                status=status, updated_at=moment, solved_at=moment if status == Status.CLOSED else None)
            made.append(ticket)
    return made
