"""The ticket filter set copies its filters and form fields for each request by hand (LeanFilterSet):
these tests hold that two filter sets never share what one of them changes."""

import pytest

from tests.factories import make_ticket
from tickets.filters import TicketFilter
from tickets.models import Ticket

pytestmark = pytest.mark.django_db


def test_each_filter_set_has_its_own_filters_bound_to_itself(agent1):
    first, second = (TicketFilter({}, queryset=Ticket.objects.all(), user=agent1) for _ in range(2))
    for name, filter_ in first.filters.items():
        assert filter_ is not second.filters[name] and filter_ is not TicketFilter.base_filters[name]
        assert filter_.parent is first and filter_.extra is not TicketFilter.base_filters[name].extra
        if filter_.method is not None:  # methods such as filter_status run on their own filter set
            assert filter_.filter.f is filter_
    first.filters["tier"].extra["choices"] = [("x", "changed")]
    assert second.filters["tier"].extra["choices"] != [("x", "changed")]


def test_each_form_has_its_own_fields(agent1):
    first, second = (TicketFilter({}, queryset=Ticket.objects.all(), user=agent1).form for _ in range(2))
    for name, field in first.fields.items():
        assert field is not second.fields[name]
    first.fields["q"].widget.attrs["data-test"] = "only here"
    assert "data-test" not in second.fields["q"].widget.attrs


def test_filters_still_filter(agent1, customer, tiers):
    match = make_ticket(customer, subject="Drucker streikt", description="Papierstau im Drucker.")
    make_ticket(customer, subject="VPN bricht ab", description="Seit dem Update.")
    found = TicketFilter({"q": "Drucker", "status": "all", "tier": "all"}, queryset=Ticket.objects.all(), user=agent1).qs
    assert list(found) == [match]
