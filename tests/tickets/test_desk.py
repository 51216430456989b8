"""The 1st level registers every case, however it arrives: a ticket for a customer found or added on
the spot, solved at once where it can be, found again by the number the caller reads out."""

import pytest
from django.urls import reverse

from mailchannel.models import OutboundKind, OutboundMessage
from tests.factories import CustomerFactory, make_ticket, make_ticket_history
from tickets import selectors, services
from tickets.models import Channel, EventKind, Status

pytestmark = pytest.mark.django_db


def test_an_agent_files_a_phone_case_for_a_customer_added_on_the_spot(agent1, tier1):
    ticket = services.ticket_file_for_customer(
        actor=agent1, new_customer={"name": "Hanna Huber", "phone": "+49 89 1234567", "organisation": "Huber KG",
                                    "email": "hanna@huber.example", "language": "de"},
        subject="Kein Internet", description="Seit heute früh.", channel=Channel.PHONE,
    )

    hanna = ticket.requester
    assert (hanna.get_full_name(), hanna.profile.phone, hanna.profile.organisation.name) == (
        "Hanna Huber", "+49 89 1234567", "Huber KG")
    assert not hanna.has_usable_password()
    assert (ticket.channel, ticket.tier, ticket.organisation.name) == (Channel.PHONE, tier1, "Huber KG")
    created = ticket.events.get(kind=EventKind.CREATED)
    assert (created.actor, created.channel) == (agent1, Channel.PHONE)
    confirmation = OutboundMessage.objects.get(ticket=ticket, kind=OutboundKind.CREATED)
    assert confirmation.language == "de" and ticket.reference in confirmation.subject


def test_a_known_address_is_refused_with_the_customer_it_belongs_to(agent1, customer):
    with pytest.raises(services.DuplicateCustomer) as refused:
        services.customer_create(actor=agent1, name="Alice", email=customer.email.upper())
    assert refused.value.customer == customer
    assert "already exists" in refused.value.messages[0]


def test_a_customer_needs_a_way_to_be_reached(agent1):
    with pytest.raises(services.ValidationError):
        services.customer_create(actor=agent1, name="Nobody")
    with pytest.raises(services.ValidationError):
        services.customer_create(actor=agent1, name="Nobody", phone="call me")
    assert services.customer_create(actor=agent1, name="Phone Only", phone="0171 234567").email == ""


def test_customers_cannot_file_for_others_or_add_customers(customer, other_customer, tiers):
    with pytest.raises(services.PermissionDenied):
        services.ticket_file_for_customer(actor=customer, customer=other_customer, subject="x", description="y")
    with pytest.raises(services.PermissionDenied):
        services.customer_create(actor=customer, name="X", email="x@example.org")


def test_first_contact_resolution_creates_the_ticket_solved_with_the_answer(agent1, customer, tier1):
    ticket = services.ticket_file_for_customer(
        actor=agent1, customer=customer, subject="Passwort vergessen", description="Kann mich nicht anmelden.",
        channel=Channel.PHONE, solution="Passwort zurückgesetzt, Anmeldung klappt wieder.",
    )

    ticket.refresh_from_db()
    assert (ticket.status, ticket.tier) == (Status.SOLVED, tier1)
    answer = ticket.events.get(kind=EventKind.REPLY)
    assert answer.data["first_contact_resolution"] is True and answer.actor == agent1
    kinds = sorted(OutboundMessage.objects.filter(ticket=ticket).values_list("kind", flat=True))
    assert kinds == [OutboundKind.ANSWERED, OutboundKind.CREATED]  # no separate "solved" mail


def test_an_unticked_confirmation_sends_nothing(agent1, customer, tiers):
    ticket = services.ticket_file_for_customer(actor=agent1, customer=customer, subject="x", description="y",
                                               notify=False, solution="Erledigt.")
    assert not OutboundMessage.objects.filter(ticket=ticket).exists()


def test_the_customer_search_finds_by_name_mail_phone_and_organisation(agent1, customer):
    hanna = services.customer_create(actor=agent1, name="Hanna Huber", phone="089 1234567", organisation="Huber KG")
    for query in ("hanna", "HUBER kg", "1234567", customer.email[:5]):
        assert selectors.customer_search(user=agent1, query=query), query
    assert selectors.customer_search(user=agent1, query="hanna huber") == [hanna]
    assert selectors.customer_search(user=agent1, query="fiona") == []  # agents are not customers
    assert selectors.customer_search(user=customer, query="hanna") == []


def test_a_phone_number_is_found_however_it_is_written(agent1):
    hanna = services.customer_create(actor=agent1, name="Hanna Huber", phone="0171 2345678")
    for query in ("+49 171 2345678", "0049 171 234 56 78", "01712345678", "171/2345-678", "2345678"):
        assert selectors.customer_search(user=agent1, query=query) == [hanna], query
    assert selectors.customer_search(user=agent1, query="0172 2345678") == []


def test_short_words_match_where_a_name_starts(agent1):
    mueller = services.customer_create(actor=agent1, name="Karl-Heinz Mühlberg", phone="030 1")
    services.customer_create(actor=agent1, name="Jürgen Baum", phone="030 2")
    assert selectors.customer_search(user=agent1, query="Mü") == [mueller]
    assert selectors.customer_search(user=agent1, query="He Mü") == [mueller]


def test_the_search_entries_follow_every_change_of_a_person_profile_organisation_and_tier(agent1, tier2):
    """CustomerSearchEntry is kept by PostgreSQL's triggers (tickets/migrations/0014), whichever way a
    row changes; its is_customer is selectors.customers()."""
    from django.contrib.auth import get_user_model

    from tickets.models import CustomerSearchEntry, Organisation, Profile, TierMembership

    def entry(person):
        return CustomerSearchEntry.objects.get(user=person)

    def found(query):
        return selectors.customer_search(user=agent1, query=query)

    hanna = services.customer_create(actor=agent1, name="Hanna Huber", phone="089 1234567", organisation="Huber KG")
    assert entry(hanna).text == " HANNA HUBER  089 1234567 HUBER KG" and entry(hanna).phone_digits == "0891234567"
    assert {"H", "HA", "HU", "0", "08", "1", "12", "K", "KG"} <= set(entry(hanna).word_starts)

    get_user_model().objects.filter(pk=hanna.pk).update(last_name="Weiß", email="hanna@weiss.example")
    assert found("weiß") == [hanna] and found("weiss.example") == [hanna] and found("huber") == [hanna]  # the firm
    Organisation.objects.filter(name="Huber KG").update(name="Auer GmbH")
    assert found("huber") == [] and found("auer gm") == [hanna]
    Profile.objects.filter(user=hanna).update(phone="+49 30 555")
    assert found("030 555") == [hanna] and found("1234567") == []
    Profile.objects.filter(user=hanna).update(organisation=None)
    assert found("auer") == []

    membership = TierMembership.objects.create(agent=hanna, tier=tier2)  # now an agent: no customer
    assert found("hanna") == [] and not entry(hanna).is_customer
    membership.delete()
    assert found("hanna") == [hanna]
    get_user_model().objects.filter(pk=hanna.pk).update(is_active=False)
    assert found("hanna") == []
    get_user_model().objects.filter(pk=hanna.pk).update(is_active=True)

    people = get_user_model().objects.all()
    assert set(CustomerSearchEntry.objects.values_list("user_id", flat=True)) == set(people.values_list("pk", flat=True))
    assert set(CustomerSearchEntry.objects.filter(is_customer=True).values_list("user_id", flat=True)) == set(
        selectors.customers().values_list("pk", flat=True))
    Profile.objects.filter(user=hanna).delete()
    assert entry(hanna).text == " HANNA WEIß HANNA@WEISS.EXAMPLE  "  # PostgreSQL's upper case keeps the ß
    hanna.delete()
    assert not CustomerSearchEntry.objects.filter(user_id=hanna.pk).exists()


def test_quick_find_jumps_to_a_ticket_by_its_reference_or_just_its_number(agent1, ticket):
    number = str(int(ticket.reference.rsplit("-", 1)[1]))
    assert selectors.quick_find(user=agent1, query=number).ticket == ticket
    assert selectors.quick_find(user=agent1, query=ticket.reference.lower()).ticket == ticket
    found = selectors.quick_find(user=agent1, query="printer")
    assert found.ticket is None and found.tickets == [ticket]


def test_the_desk_pages(login, agent1, customer, ticket):
    client = login(agent1)
    number = int(ticket.reference.rsplit("-", 1)[1])
    assert client.get(reverse("agent:find"), {"q": number})["Location"] == reverse("agent:ticket", args=[ticket.reference])
    assert customer.email in client.get(reverse("agent:find"), {"q": "alice"}).content.decode()
    assert client.get(reverse("agent:customer_search"), {"q": "alice", "pick": "1"}, HTTP_HX_REQUEST="true").status_code == 200
    page = client.get(reverse("agent:customer", args=[customer.pk])).content.decode()
    assert ticket.reference in page
    response = client.post(reverse("agent:customer", args=[customer.pk]), {
        "name": "Alice Anders-Berg", "email": customer.email, "phone": "030 555", "organisation": "ACME", "language": "en",
        "notes": "Ruft gern früh an."})
    assert response.status_code == 302
    customer.refresh_from_db()
    assert (customer.last_name, customer.profile.phone, customer.profile.notes) == ("Anders-Berg", "030 555", "Ruft gern früh an.")

    new = client.post(reverse("agent:ticket_new"), {
        "new_name": "Otto Ober", "new_phone": "0911 777", "new_language": "de", "channel": "walk_in",
        "subject": "Drucker", "description": "Papierstau", "priority": "2", "tier": "", "notify": "on"})
    assert new.status_code == 302, new.content.decode()[:2000]
    duplicate = client.post(reverse("agent:ticket_new"), {
        "new_name": "Alice", "new_email": customer.email, "new_language": "de", "channel": "phone",
        "subject": "x", "description": "y", "priority": "2"})
    assert duplicate.status_code == 400
    assert reverse("agent:customer", args=[customer.pk]) in duplicate.content.decode()


def test_customers_do_not_reach_the_desk(login, customer):
    client = login(customer)
    for url in (reverse("agent:ticket_new"), reverse("agent:find"), reverse("agent:customer", args=[customer.pk]),
                reverse("agent:customer_search")):
        assert client.get(url).status_code == 403, url


def test_the_api_finds_adds_and_changes_customers_for_agents(agent1, customer, client):
    from rest_framework.test import APIClient

    api = APIClient()
    api.force_authenticate(customer)
    assert api.get("/api/v1/customers/", {"q": "alice"}).status_code == 403
    api.force_authenticate(agent1)
    assert [c["id"] for c in api.get("/api/v1/customers/", {"q": "alice"}).json()] == [customer.pk]
    created = api.post("/api/v1/customers/", {"name": "Hanna Huber", "phone": "089 1234567", "organisation": "Huber KG"},
                       format="json")
    assert created.status_code == 201 and created.json()["organisation"] == "Huber KG"
    duplicate = api.post("/api/v1/customers/", {"name": "Alice", "email": customer.email}, format="json")
    assert duplicate.status_code == 409 and duplicate.json()["existing"]["id"] == customer.pk
    changed = api.patch(f"/api/v1/customers/{created.json()['id']}/", {"notes": "VIP"}, format="json")
    assert changed.status_code == 200 and changed.json()["notes"] == "VIP" and changed.json()["phone"] == "089 1234567"
    ticket = api.post("/api/v1/tickets/", {"subject": "Telefon", "description": "Anruf", "requester": customer.pk,
                                           "channel": "phone", "solution": "Erledigt am Telefon."}, format="json")
    assert ticket.status_code == 201, ticket.json()
    assert (ticket.json()["channel"], ticket.json()["status"]) == ("phone", "solved")
    api.force_authenticate(customer)
    refused = api.post("/api/v1/tickets/", {"subject": "x", "description": "y", "channel": "phone"}, format="json")
    assert refused.status_code == 403


@pytest.mark.parametrize("count", [1, 15])
def test_the_customer_search_and_page_cost_the_same_queries_however_many_match(
        login, agent1, tiers, count, django_assert_max_num_queries):
    people = [services.customer_create(actor=agent1, name=f"Huber {n}", phone=f"089 {n:06d}",
                                       organisation=f"Huber {n % 3} KG") for n in range(count)]
    for person in people[:3]:
        make_ticket(person)
    make_ticket(people[0], subject="Zweites Ticket")
    # Her history grows with `count` too: several pages of each list at the smallest size.
    make_ticket_history(people[0], open_count=count, earlier_count=2 * count)
    client = login(agent1)
    selectors.reference_lists()  # cached for every page (tiers, categories, powers); read once, as in production

    with django_assert_max_num_queries(4):  # session, user, the agent's tiers, the search
        assert client.get(reverse("agent:customer_search"), {"q": "huber"}).status_code == 200
    # Whatever the page of either list and whatever the page size, even past the last page:
    for params in ({}, {"size": 10}, {"page": 2, "size": 10}, {"page": 3, "open_page": 2, "size": 10},
                   {"size": 100}, {"page": 999, "open_page": "x"}):
        # session, user, tiers, the customer; each list's capped count and its page
        with django_assert_max_num_queries(8):
            assert client.get(reverse("agent:customer", args=[people[0].pk]), params).status_code == 200


def test_the_customer_page_pages_through_her_tickets(login, agent1, customer, tiers):
    make_ticket_history(customer, open_count=12, earlier_count=30)
    client = login(agent1)
    page_url = reverse("agent:customer", args=[customer.pk])

    first = client.get(page_url)
    assert [t.subject for t in first.context["earlier_tickets"]] == [f"Case earlier {n:03d}" for n in range(1, 26)]
    assert len(first.context["open_tickets"]) == 12
    html = first.content.decode()
    assert "30 tickets" in html and "12 tickets" in html and "Page 1 of 2" in html
    assert 'href="?page=2#earlier-tickets"' in html

    # Page 2 shows the later (older) ones; the open list stays where it was.
    second = client.get(page_url, {"page": 2})
    assert [t.subject for t in second.context["earlier_tickets"]] == [f"Case earlier {n:03d}" for n in range(26, 31)]
    html = second.content.decode()
    assert "Case earlier 026" in html and "Case earlier 025" not in html and "Page 2 of 2" in html
    assert "Case open 012" in html

    # Each list pages on its own, and its links keep the other's page and the size.
    both = client.get(page_url, {"page": 2, "open_page": 2, "size": 10})
    assert [t.subject for t in both.context["open_tickets"]] == ["Case open 011", "Case open 012"]
    assert [t.subject for t in both.context["earlier_tickets"]] == [f"Case earlier {n:03d}" for n in range(11, 21)]
    html = both.content.decode()
    assert 'href="?page=2&amp;size=10&amp;open_page=1#open-tickets"' in html
    assert 'href="?open_page=2&amp;size=10&amp;page=3#earlier-tickets"' in html


def test_the_customer_page_selector_pages_and_caps_the_count(agent1, customer, tiers, monkeypatch):
    from helpdesk.web.pagination import CappedCountPaginator

    make_ticket_history(customer, open_count=2, earlier_count=7)
    overview = selectors.customer_ticket_overview(customer=customer, page=2, size=3)
    assert [t.subject for t in overview.earlier] == ["Case earlier 004", "Case earlier 005", "Case earlier 006"]
    assert [t.subject for t in overview.open_tickets] == ["Case open 001", "Case open 002"]
    assert overview.earlier.paginator.count == 7 and overview.earlier.paginator.count_is_exact

    monkeypatch.setattr(CappedCountPaginator, "cap", 5)
    capped = selectors.customer_ticket_overview(customer=customer, page=9, size=3)
    assert (capped.earlier.paginator.count, capped.earlier.paginator.count_is_exact) == (5, False)
    assert capped.earlier.number == 2  # the pages end at the cap


def test_the_api_pages_through_a_customers_tickets(agent1, customer, tiers, client):
    from rest_framework.test import APIClient

    make_ticket_history(customer, open_count=1, earlier_count=5)
    api = APIClient()
    api.force_authenticate(agent1)
    answer = api.get("/api/v1/tickets/", {"requester": customer.pk, "status": "closed", "size": 2, "page": 2}).json()
    assert [t["subject"] for t in answer["results"]] == ["Case earlier 003", "Case earlier 004"]
    assert answer["count"] == 5 and answer["next"] and answer["previous"]
