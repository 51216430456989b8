"""Search quality in German and English (selectors.search_articles and search_solved_tickets):
stemming, umlauts, typos, ranking, language filter, highlighted snippets, solved tickets."""

import pytest
from django.contrib.auth.models import AnonymousUser
from django.db import connection
from django.test.utils import CaptureQueriesContext

from knowledgebase import selectors, services
from knowledgebase.models import Article, ArticleState, Audience, SearchLog
from tests.factories import make_ticket
from tickets import services as ticket_services
from tickets.models import Status

pytestmark = pytest.mark.django_db


@pytest.fixture
def library(make_article):
    """A small knowledge base in both languages, all published for the public."""

    def article(**fields):
        return make_article(summary="", **fields)

    return {
        "password": article(
            title="Passwort zurücksetzen", language="de",
            problem="Der Kunde hat sein Passwort vergessen und kann sich nicht mehr anmelden.",
            resolution="Im Portal auf „Passwort vergessen“ klicken und dem Link in der E-Mail folgen."),
        "printer": article(
            title="Drucker druckt nicht", language="de",
            problem="Der Drucker im zweiten Stock nimmt Aufträge an, aber es kommt nichts heraus.",
            resolution="Die Warteschlange leeren und den Druckdienst neu starten."),
        "mailbox": article(
            title="Postfach voll", language="de",
            problem="Die Größe des Postfachs ist überschritten, neue E-Mails kommen nicht mehr an.",
            resolution="Alte E-Mails in das Archiv verschieben."),
        "vpn_de": article(
            title="VPN-Verbindung bricht ab", language="de",
            problem="Die VPN-Verbindung bricht nach zehn Minuten ab.",
            resolution="Den VPN-Client auf Version 5.2 aktualisieren."),
        "vpn_en": article(
            title="VPN connection drops", language="en",
            problem="The VPN client loses its connection every ten minutes.",
            resolution="Update the VPN client to version 5.2 and restart the laptop."),
        "outlook_title": article(
            title="Outlook crashes on start", language="en",
            problem="The mail program closes right after it opens.",
            resolution="Start it in safe mode and disable the add-ins."),
        "outlook_body": article(
            title="Mail does not arrive", language="en",
            problem="No new messages for an hour.",
            resolution="Repair the Outlook profile in the control panel."),
    }


def titles(hits):
    return [hit.article.title for hit in hits]


def search(text, user=None, **kwargs):
    return selectors.search_articles(user=user or AnonymousUser(), text=text, **kwargs)


# --- stemming and umlauts -----------------------------------------------------------------------


def test_a_german_plural_finds_the_singular(library):
    hits = search("Passwörter")
    assert titles(hits) == ["Passwort zurücksetzen"]
    assert hits[0].fuzzy is False


def test_an_english_plural_finds_the_singular(library):
    assert "VPN connection drops" in titles(search("connections"))


def test_inflected_german_verbs_match(library):
    assert "Drucker druckt nicht" in titles(search("Drucker drucken"))


@pytest.mark.parametrize("query", ["Größe", "Grösse", "grosse", "uberschritten"])
def test_umlauts_and_sharp_s_match_however_they_are_typed(library, query):
    assert titles(search(query)) == ["Postfach voll"]


# --- typos: each word corrected to the closest word of a published title, then searched again ----------


@pytest.mark.parametrize("typo, title", [("Pasword", "Passwort zurücksetzen"), ("Drukcer", "Drucker druckt nicht")])
def test_a_typo_still_finds_the_article_by_its_title(library, typo, title):
    hits = search(typo)
    assert titles(hits)[0] == title
    assert hits[0].fuzzy is True


def test_nonsense_finds_nothing(library):
    assert search("xqzvwk") == []


def test_an_empty_query_finds_nothing(library):
    assert search("   ") == []


# --- ranking, filters, snippets ------------------------------------------------------------------------


def test_a_title_hit_ranks_above_a_body_only_hit(library):
    hits = search("Outlook")
    assert titles(hits) == ["Outlook crashes on start", "Mail does not arrive"]
    assert hits[0].rank > hits[1].rank


def test_the_language_filter(library):
    assert titles(search("VPN", language="en")) == ["VPN connection drops"]
    assert titles(search("VPN", language="de")) == ["VPN-Verbindung bricht ab"]
    assert set(titles(search("VPN"))) == {"VPN connection drops", "VPN-Verbindung bricht ab"}


def test_the_snippet_highlights_the_match_in_the_resolution(library):
    [hit] = search("Druckdienst")
    assert "<mark>Druckdienst</mark>" in hit.snippet
    [hit] = search("laptops", language="en")
    assert "<mark>laptop</mark>" in hit.snippet


def test_searches_without_snippets_leave_them_empty(library):
    [hit] = search("Druckdienst", with_snippets=False)
    assert hit.snippet == ""


def test_the_limit(make_article):
    for i in range(4):
        make_article(title=f"Scanner problem {i}", problem="The scanner does not scan.")
    assert len(search("scanner", limit=3)) == 3


# --- visibility in search ------------------------------------------------------------------------------


def test_search_finds_only_what_the_user_may_read(all_articles, customer, agent1, agent3):
    public_only = {"VPN disconnects every ten minutes"}
    assert set(titles(search("VPN"))) == public_only
    assert set(titles(search("VPN", user=customer))) == public_only
    agent1_sees = set(titles(search("VPN", user=agent1)))
    assert agent1_sees == {"VPN disconnects every ten minutes", "VPN gateway certificate renewal"}
    assert "VPN gateway debug logging" in titles(search("VPN", user=agent3))


def test_the_typo_fallback_respects_visibility_too(all_articles, customer):
    assert search("Gatway debug loging", user=customer) == []


def test_suggestions_are_published_public_articles_for_everyone(all_articles, agent3):
    for user in (AnonymousUser(), agent3):
        hits = selectors.suggestions_for_text(user=user, text="my vpn keeps dropping")
        assert titles(hits) == ["VPN disconnects every ten minutes"]
        assert hits[0].article.state == ArticleState.PUBLISHED and hits[0].article.audience == Audience.PUBLIC


# --- solved tickets ------------------------------------------------------------------------------------


@pytest.fixture
def solved_ticket(customer, tiers, agent1):
    ticket = make_ticket(customer, subject="Drucker druckt nur leere Seiten",
                         description="Seit heute kommen aus dem Drucker nur leere Seiten.")
    ticket_services.ticket_change_status(ticket=ticket, actor=agent1, status=Status.SOLVED)
    return ticket


@pytest.fixture
def open_ticket(customer, tiers):
    return make_ticket(customer, subject="Drucker im Keller druckt schief", description="Die Seiten sind schief.")


def test_agents_find_solved_tickets(solved_ticket, open_ticket, agent1):
    hits = selectors.search_solved_tickets(user=agent1, text="Drucker")
    assert [hit.ticket.reference for hit in hits] == [solved_ticket.reference]
    assert hits[0].rank > 0


def test_solved_tickets_are_found_by_their_stemmed_words_in_english_too(customer, tiers, agent1):
    ticket = make_ticket(customer, subject="Printers keep jamming", description="Paper jams in every printer.")
    ticket_services.ticket_change_status(ticket=ticket, actor=agent1, status=Status.SOLVED)
    assert [h.ticket for h in selectors.search_solved_tickets(user=agent1, text="printer jam")] == [ticket]


def test_customers_and_visitors_never_find_tickets(solved_ticket, customer):
    assert selectors.search_solved_tickets(user=customer, text="Drucker") == []
    assert selectors.search_solved_tickets(user=AnonymousUser(), text="Drucker") == []


def _solved(customer, agent, subject):
    ticket = make_ticket(customer, subject=subject, description="Siehe Betreff.")
    ticket_services.ticket_change_status(ticket=ticket, actor=agent, status=Status.SOLVED)
    return ticket


def test_solved_tickets_rank_the_newest_matches(customer, tiers, agent1, monkeypatch):
    monkeypatch.setattr(selectors, "TICKET_CANDIDATES", 2)
    oldest = _solved(customer, agent1, "Drucker Drucker Drucker")  # the best match, but not among the newest two
    newer = [_solved(customer, agent1, f"Drucker {n}") for n in range(2)]
    found = [hit.ticket for hit in selectors.search_solved_tickets(user=agent1, text="Drucker")]
    assert oldest not in found and set(found) == set(newer)


def test_a_word_missing_from_recent_tickets_still_finds_older_ones(customer, tiers, agent1, monkeypatch):
    # The walk through recent tickets stops after RECENT_TICKETS; older matches come from the index.
    monkeypatch.setattr(selectors, "RECENT_TICKETS", 2)
    old = _solved(customer, agent1, "Scanner zieht kein Papier ein")
    for n in range(3):
        _solved(customer, agent1, f"Monitor flackert {n}")
    assert [hit.ticket for hit in selectors.search_solved_tickets(user=agent1, text="Scanner")] == [old]
    assert selectors.search_solved_tickets(user=agent1, text="Tastatur") == []


@pytest.mark.django_db(transaction=True)
def test_the_search_log_skips_the_wal_flush_for_its_own_line_only(customer):
    services.log_search(query="  Drucker   druckt nicht ", scope="public", results=2, user=customer, language="de")
    log = SearchLog.objects.get()
    assert (log.query, log.scope, log.results, log.user, log.language) == ("Drucker druckt nicht", "public", 2, customer, "de")
    with connection.cursor() as cursor:  # what follows on this connection commits durably again
        cursor.execute("SHOW synchronous_commit")
        assert cursor.fetchone() == ("on",)


def test_the_search_statement_refuses_a_filter_that_needs_a_join():
    # search_articles() pastes the compiled WHERE clause of the readable articles into its own SQL,
    # which has no joins: a filter through a relation must not slip in unnoticed.
    with pytest.raises(ValueError):
        selectors._where_sql(Article.objects.filter(category__name="VPN"))
    sql, params = selectors._where_sql(Article.objects.filter(category_id=7, state=ArticleState.PUBLISHED))
    assert "JOIN" not in sql and params == [7, ArticleState.PUBLISHED]



def _search_plan(user, **kwargs):
    with CaptureQueriesContext(connection) as statements:
        selectors.search_articles(user=user, with_snippets=False, **kwargs)
    [sql] = [q["sql"] for q in statements.captured_queries if "WITH best" in q["sql"]]
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN " + sql)
        return "\n".join(row[0] for row in cursor.fetchall())


@pytest.mark.parametrize("language, other", [("de", "en"), ("en", "de")])
def test_a_word_common_in_one_language_is_looked_up_in_the_others_index(agent1, customer, language, other):
    # The word is in every article of the other language and in none of this one. Each language has
    # its own full-text indexes, whose statistics tell PostgreSQL so; with one index for all languages
    # it took the word for common here too and read the whole table, in vain. The statement must
    # match the indexes' expressions exactly to use them.
    Article.objects.bulk_create(
        Article(title=f"{word} {n}", problem=word, resolution="", language=written_in, state=ArticleState.PUBLISHED,
                audience=Audience.PUBLIC if n % 2 else Audience.AGENTS)
        for written_in, word in ((other, "Passwort"), (language, "Drucker")) for n in range(1500))
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE knowledgebase_article")
        # As the indexes are after autovacuum: new entries merged, not in the pending list that
        # makes the planner shun an index in a freshly filled table.
        cursor.execute("SELECT gin_clean_pending_list(c.oid) FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid"
                       " JOIN pg_am am ON am.oid = c.relam WHERE i.indrelid = 'knowledgebase_article'::regclass AND am.amname = 'gin'")
    agent_plan = _search_plan(agent1, text="Passwort", language=language)
    assert f"article_search_{language}_idx" in agent_plan and f"article_title_{language}_idx" in agent_plan
    customer_plan = _search_plan(customer, text="Passwort", language=language)
    # The customer's search reads half as many rows (public articles only): the planner may take
    # one of the language's public indexes and look the few candidates up by key; either way it
    # reads this language's index, never the table.
    assert (f"article_public_search_{language}_idx" in customer_plan
            or f"article_public_title_{language}_idx" in customer_plan), customer_plan
    assert "Seq Scan" not in agent_plan + customer_plan, agent_plan + customer_plan
