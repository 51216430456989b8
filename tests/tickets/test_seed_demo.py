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
