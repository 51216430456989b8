import pytest
from django.core.management import call_command

from knowledgebase.models import Article
from tickets.models import Ticket

pytestmark = pytest.mark.django_db


def test_demo_data_loads_and_loading_it_again_changes_nothing():
    call_command("seed_demo")
    counts = (Ticket.objects.count(), Article.objects.count())
    assert counts[0] >= 4 and counts[1] == 3
    call_command("seed_demo")
    assert (Ticket.objects.count(), Article.objects.count()) == counts


def test_demo_categories_and_tiers_have_german_names():
    from django.utils import translation

    from tickets.models import Category, Tier

    call_command("seed_demo")
    with translation.override("de"):
        assert Category.objects.get(name_en="Network & VPN").name == "Netzwerk & VPN"
        assert [t.name for t in Tier.objects.order_by("level")] == ["1. Level", "2. Level", "3. Level"]
    with translation.override("en"):
        assert Tier.objects.get(level=1).name == "1st Level"
