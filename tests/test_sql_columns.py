"""Hand-written SQL reads the columns the models have: built from `_meta`, so a new field is read with
the row instead of one query per row, and a dropped one does not break the statement."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from helpdesk.sql import column_list
from knowledgebase import selectors
from knowledgebase.models import Article
from tickets.models import Ticket

pytestmark = pytest.mark.django_db


def _columns(listed: str) -> set[str]:
    return {part.strip().split(".", 1)[1] for part in listed.split(",")}


@pytest.mark.parametrize("model, listed, left_out", [
    (Article, selectors.LISTED_ARTICLE_COLUMNS, selectors.ARTICLE_COLUMNS_NOT_LISTED),
    (Ticket, column_list(Ticket, alias="t", leave_out=selectors.TICKET_COLUMNS_NOT_LISTED),
     selectors.TICKET_COLUMNS_NOT_LISTED),
])
def test_a_list_reads_every_column_of_the_model_but_the_ones_it_names(model, listed, left_out):
    fields = {field.name: field.column for field in model._meta.concrete_fields}
    assert _columns(listed) == {column for name, column in fields.items() if name not in left_out}
    assert set(left_out) <= set(fields)


def test_naming_a_field_the_model_lacks_is_an_error():
    with pytest.raises(ValueError, match="no field"):
        column_list(Ticket, alias="t", leave_out=("descripton",))


def test_every_field_of_a_solved_ticket_hit_is_there_without_another_query(customer, tiers, agent1):
    from tests.factories import make_ticket
    from tickets import services

    ticket = make_ticket(customer, subject="Drucker druckt schief", description="Die Seiten sind schief.")
    services.ticket_change_status(ticket=ticket, actor=agent1, status="solved")
    hits = selectors.search_solved_tickets(user=agent1, text="Drucker")
    with CaptureQueriesContext(connection) as queries:
        for hit in hits:
            for field in Ticket._meta.concrete_fields:
                if field.name not in selectors.TICKET_COLUMNS_NOT_LISTED:
                    getattr(hit.ticket, field.attname)
    assert hits and len(queries) == 0
