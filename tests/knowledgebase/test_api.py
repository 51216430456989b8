"""The knowledge-base API: who reads what, the review workflow, field errors for bad input, tickets
and articles, and a fixed query budget for the list."""

import pytest
from django.contrib.auth import get_user_model
from django.urls import reverse
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient

from knowledgebase import services
from knowledgebase.models import Article, ArticleLink, ArticleState, Audience, Deflection, LinkKind, SearchLog
from tests.factories import make_ticket
from tickets import services as ticket_services
from tickets.models import Status

pytestmark = pytest.mark.django_db

ARTICLES = "/api/v1/kb/articles/"
PUBLIC_TITLE = "VPN disconnects every ten minutes"
AGENT_ONLY_FIELDS = {"author", "versions", "linked_tickets", "reuse_count", "reviews"}
NEW = {"title": "Printer prints blank pages", "problem": "Every page comes out empty.",
       "resolution": "Replace the toner cartridge.", "language": "en", "audience": "public"}


@pytest.fixture
def api():
    def _client(user=None):
        client = APIClient()
        if user is not None:
            # A fresh user object per client: roles and permissions are cached on the object.
            client.force_authenticate(get_user_model().objects.get(pk=user.pk))
        return client

    return _client


def url(article, action=""):
    pk = article.pk if hasattr(article, "pk") else article
    return f"{ARTICLES}{pk}/" + (f"{action}/" if action else "")


def listed(response):
    assert response.status_code == 200, response.content
    return {item["title"] for item in response.json()["results"]}


# --- who reads what -----------------------------------------------------------------------------------


def test_visitors_and_customers_list_published_public_articles_only(api, all_articles, customer):
    for client in (api(), api(customer)):
        assert listed(client.get(ARTICLES)) == {PUBLIC_TITLE}
        assert listed(client.get(ARTICLES, {"q": "VPN"})) == {PUBLIC_TITLE}
        assert listed(client.get(ARTICLES, {"state": "draft"})) == set()
        assert listed(client.get(ARTICLES, {"audience": "agents"})) == set()


def test_agents_list_by_audience_and_tier(api, all_articles, agent1, agent2, agent3, reviewer):
    readable_by_all_agents = {PUBLIC_TITLE, "VPN gateway certificate renewal"}
    assert listed(api(agent1).get(ARTICLES)) == readable_by_all_agents
    assert listed(api(agent2).get(ARTICLES, {"q": "VPN gateway"})) == {"VPN gateway certificate renewal"}
    # The 3rd level reads the tier article; its author also reads their own drafts; reviewers read all.
    assert "VPN gateway debug logging" in listed(api(agent3).get(ARTICLES))
    assert listed(api(reviewer).get(ARTICLES)) == {a.title for a in all_articles.values()}


@pytest.mark.parametrize("kind", ["internal", "tier3", "draft", "review", "archived"])
def test_unreadable_articles_are_404_for_visitors_customers_and_lower_tiers(api, all_articles, customer, agent1, kind):
    article = all_articles[kind]
    for client in (api(), api(customer)):
        assert client.get(url(article)).status_code == 404
        assert client.post(url(article, "feedback"), {"helpful": True}, format="json").status_code == 404
        assert client.post(url(article, "deflect"), {}, format="json").status_code == 404
    if kind != "internal":
        assert api(agent1).get(url(article)).status_code == 404
        assert api(agent1).get(url(article, "versions")).status_code == 404


def test_a_public_article_for_a_visitor_without_agent_details(api, public_article):
    body = api().get(url(public_article)).json()
    assert body["title"] == PUBLIC_TITLE
    assert body["resolution"].startswith("Update the VPN client")
    assert not AGENT_ONLY_FIELDS & set(body)


def test_agents_see_author_history_links_and_reuse(api, public_article, agent1, agent3, ticket, reviewer):
    services.link_article(ticket=ticket, article=public_article, actor=agent1)
    body = api(agent1).get(url(public_article)).json()
    assert body["author"]["id"] == agent3.pk
    assert body["versions"] == 1
    assert body["reuse_count"] == 1
    assert body["linked_tickets"] == [{"reference": ticket.reference, "subject": ticket.subject, "kind": "used",
                                       "created_at": body["linked_tickets"][0]["created_at"]}]
    assert [r["decision"] for r in body["reviews"]] == ["published"]
    assert body["reviews"][0]["reviewer"]["id"] == reviewer.pk


def test_suggestions_are_public_and_published_only_whoever_asks(api, all_articles, customer, agent3, reviewer):
    for client in (api(), api(customer), api(agent3), api(reviewer)):
        response = client.get("/api/v1/kb/suggest/", {"q": "vpn gateway debug split tunnel password client"})
        assert response.status_code == 200
        assert [s["title"] for s in response.json()] == [PUBLIC_TITLE]
        assert set(response.json()[0]) == {"id", "title", "summary", "category", "language"}


def test_suggestions_need_three_characters_and_at_most_five(api, make_article):
    for i in range(7):
        make_article(title=f"Scanner jams {i}", problem="The scanner jams.")
    client = api()
    assert client.get("/api/v1/kb/suggest/", {"q": "sc"}).json() == []
    assert len(client.get("/api/v1/kb/suggest/", {"q": "scanner"}).json()) == 5
    assert client.get("/api/v1/kb/suggest/").status_code == 400


def test_the_combined_search_is_for_agents(api, all_articles, customer, agent1, tiers):
    solved = make_ticket(customer, subject="VPN drops at home", description="The VPN connection drops.")
    ticket_services.ticket_change_status(ticket=solved, actor=agent1, status=Status.SOLVED)
    make_ticket(customer, subject="VPN is slow", description="Open VPN ticket.")
    assert api().get("/api/v1/kb/search/", {"q": "VPN"}).status_code == 401
    assert api(customer).get("/api/v1/kb/search/", {"q": "VPN"}).status_code == 403
    body = api(agent1).get("/api/v1/kb/search/", {"q": "VPN"}).json()
    assert {a["title"] for a in body["articles"]} == {PUBLIC_TITLE, "VPN gateway certificate renewal"}
    assert [(t["reference"], t["status"]) for t in body["tickets"]] == [(solved.reference, "solved")]
    assert body["tickets"][0]["rank"] > 0
    assert SearchLog.objects.get().scope == "agent"


@pytest.mark.parametrize("method, path, payload", [
    ("post", ARTICLES, NEW),
    ("patch", "{public}", {"title": "Hacked"}),
    ("post", "{public}submit/", {}),
    ("post", "{public}publish/", {}),
    ("post", "{public}send-back/", {"comment": "no"}),
    ("post", "{public}archive/", {}),
    ("get", "{public}versions/", None),
    ("get", "/api/v1/kb/search/?q=vpn", None),
    ("post", "/api/v1/kb/tickets/{ticket}/articles/", {"article": "{public_id}"}),
    ("post", "/api/v1/kb/tickets/{ticket}/article-from-ticket/", {}),
])
def test_agent_endpoints_are_401_for_visitors_and_403_for_customers(api, public_article, ticket, customer,
                                                                    method, path, payload):
    path = path.format(public=url(public_article), ticket=ticket.reference)
    if payload and payload.get("article"):
        payload = {"article": public_article.pk}
    for client, code in ((api(), 401), (api(customer), 403)):
        response = getattr(client, method)(path, payload, format="json")
        assert response.status_code == code, (path, response.content)
    public_article.refresh_from_db()
    assert public_article.title == PUBLIC_TITLE and public_article.state == ArticleState.PUBLISHED
    assert Article.objects.count() == 1


def test_token_authentication_works(customer, public_article):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Token " + Token.objects.create(user=customer).key)
    assert client.get(ARTICLES).json()["count"] == 1


# --- searching and logging -----------------------------------------------------------------------------


def test_a_search_answers_with_rank_snippet_and_fuzzy_and_is_logged(api, all_articles, customer):
    body = api(customer).get(ARTICLES, {"q": "clients"}).json()
    [hit] = body["results"]
    assert hit["title"] == PUBLIC_TITLE
    assert hit["rank"] > 0 and hit["fuzzy"] is False
    assert "<mark>client</mark>" in hit["snippet"]
    log = SearchLog.objects.get()
    assert (log.query, log.scope, log.results, log.user) == ("clients", "public", 1, customer)


def test_a_plain_list_has_no_search_fields(api, public_article):
    [item] = api().get(ARTICLES).json()["results"]
    assert set(item) == {"id", "title", "summary", "category", "language", "audience", "state", "tags", "updated_at"}
    assert not SearchLog.objects.exists()


def test_a_typo_finds_the_article_fuzzily(api, public_article):
    [hit] = api().get(ARTICLES, {"q": "disconects"}).json()["results"]
    assert hit["fuzzy"] is True
    assert SearchLog.objects.get().scope == "public"


def test_a_search_without_results_is_logged_with_zero(api, public_article, agent1):
    assert api(agent1).get(ARTICLES, {"q": "kernel panic", "language": "en"}).json()["count"] == 0
    log = SearchLog.objects.get()
    assert (log.scope, log.results, log.language) == ("agent", 0, "en")


def test_reading_further_pages_of_a_search_logs_it_once(api, make_article):
    for i in range(3):
        make_article(title=f"Scanner jams {i}", problem="The scanner jams.")
    client = api()
    assert client.get(ARTICLES, {"q": "scanner", "size": 2}).json()["count"] == 3
    assert len(client.get(ARTICLES, {"q": "scanner", "size": 2, "page": 2}).json()["results"]) == 1
    assert SearchLog.objects.count() == 1


def test_filters_narrow_the_list_and_the_search(api, make_article, category, reviewer):
    make_article(title="VPN auf Deutsch", language="de", problem="Das VPN bricht ab.", resolution="VPN neu starten.")
    make_article(title="VPN in a category", category=category)
    client = api(reviewer)
    assert listed(client.get(ARTICLES, {"language": "de"})) == {"VPN auf Deutsch"}
    assert listed(client.get(ARTICLES, {"category": category.pk})) == {"VPN in a category"}
    assert listed(client.get(ARTICLES, {"q": "VPN", "language": "de"})) == {"VPN auf Deutsch"}
    assert listed(client.get(ARTICLES, {"q": "VPN", "category": category.pk})) == {"VPN in a category"}


def test_snippets_are_escaped_html_with_marks_only(api, make_article):
    make_article(title="Script in the text",
                 resolution="When a < b & c > d, paste <script>alert(1)</script> into the console.")
    [hit] = api().get(ARTICLES, {"q": "console"}).json()["results"]
    assert "<mark>console</mark>" in hit["snippet"]
    assert "<" not in hit["snippet"].replace("<mark>", "").replace("</mark>", "")
    assert "&lt; b &amp; c &gt;" in hit["snippet"]


# --- the workflow --------------------------------------------------------------------------------------


def test_the_review_workflow_through_the_api(api, agent1, reviewer, customer):
    author = api(agent1)
    created = author.post(ARTICLES, {**NEW, "tags": ["Printer", "toner "], "note": "First go"}, format="json")
    assert created.status_code == 201, created.content
    article = created.json()
    assert (article["state"], article["versions"], article["tags"]) == ("draft", 1, ["printer", "toner"])
    assert api(customer).get(url(article["id"])).status_code == 404

    changed = author.patch(url(article["id"]), {"cause": "An empty cartridge.", "note": "Cause"}, format="json")
    assert changed.status_code == 200 and changed.json()["versions"] == 2
    assert author.post(url(article["id"], "submit")).json()["state"] == "review"
    assert author.patch(url(article["id"]), {"title": "Too late"}, format="json").status_code == 403

    # The author may not publish: that takes the permission knowledgebase.review_article.
    refused = author.post(url(article["id"], "publish"), {}, format="json")
    assert refused.status_code == 403
    assert "reviewer" in refused.json()["detail"].lower()

    checker = api(reviewer)
    missing = checker.post(url(article["id"], "send-back"), {}, format="json")
    assert missing.status_code == 400 and "comment" in missing.json()
    blank = checker.post(url(article["id"], "send-back"), {"comment": "  "}, format="json")
    assert blank.status_code == 400 and blank.json()["comment"] == ["Tell the author what to change."]
    sent_back = checker.post(url(article["id"], "send-back"), {"comment": "Add the toner model."}, format="json")
    assert sent_back.json()["state"] == "draft"
    assert author.get(url(article["id"])).json()["reviews"][0]["comment"] == "Add the toner model."

    author.patch(url(article["id"]), {"resolution": "Replace the TN-2420 toner cartridge."}, format="json")
    author.post(url(article["id"], "submit"))
    published = checker.post(url(article["id"], "publish"), {"comment": "Thanks"}, format="json")
    assert published.status_code == 200 and published.json()["state"] == "published"
    assert api(customer).get(url(article["id"])).json()["resolution"] == "Replace the TN-2420 toner cartridge."

    versions = author.get(url(article["id"], "versions")).json()["results"]
    assert [v["number"] for v in versions] == [3, 2, 1]
    assert versions[-1]["note"] == "First go" and versions[-1]["editor"]["id"] == agent1.pk
    assert versions[0]["content"]["resolution"] == "Replace the TN-2420 toner cartridge."

    assert author.post(url(article["id"], "archive")).status_code == 403
    assert checker.post(url(article["id"], "archive")).json()["state"] == "archived"
    assert api(customer).get(url(article["id"])).status_code == 404
    assert checker.post(url(article["id"], "archive")).status_code == 400


def test_a_draft_cannot_be_published_without_review(api, draft_article, reviewer):
    response = api(reviewer).post(url(draft_article, "publish"), {}, format="json")
    assert response.status_code == 400
    assert response.json() == {"detail": ["Only articles in review can be published."]}


def test_an_agent_cannot_edit_or_submit_someone_elses_draft(api, agent3, tier3, reviewer):
    other = api(agent3).post(ARTICLES, NEW, format="json").json()
    from tests.factories import make_agent

    colleague = make_agent(tier3, username="colleague")
    assert api(colleague).get(url(other["id"])).status_code == 404  # drafts are their author's
    Article.objects.filter(pk=other["id"]).update(state=ArticleState.PUBLISHED)
    assert api(colleague).patch(url(other["id"]), {"title": "Mine now"}, format="json").status_code == 403
    assert api(colleague).post(url(other["id"], "submit")).status_code == 403


def test_a_tier_audience_needs_a_tier(api, agent1, tier2):
    response = api(agent1).post(ARTICLES, {**NEW, "audience": "tier"}, format="json")
    assert response.status_code == 400 and "min_tier" in response.json()
    response = api(agent1).post(ARTICLES, {**NEW, "audience": "tier", "min_tier": tier2.pk}, format="json")
    assert response.status_code == 201 and response.json()["min_tier"]["level"] == 2


# --- malformed input: 400 with field errors, never a 500 ---------------------------------------------


@pytest.mark.parametrize("payload, field", [
    ({}, "title"),
    ({**NEW, "title": ""}, "title"),
    ({**NEW, "title": "   "}, "title"),
    ({**NEW, "title": "x" * 201}, "title"),
    ({**NEW, "problem": None}, "problem"),
    ({**NEW, "resolution": 12}, None),  # numbers are accepted as text
    ({**NEW, "language": "fr"}, "language"),
    ({**NEW, "audience": "everyone"}, "audience"),
    ({**NEW, "tags": "vpn"}, "tags"),
    ({**NEW, "tags": ["x" * 41]}, "tags"),
    ({**NEW, "tags": [{"a": 1}]}, "tags"),
    ({**NEW, "category": 999999}, "category"),
    ({**NEW, "category": "abc"}, "category"),
    ({**NEW, "min_tier": [1]}, "min_tier"),
    ({**NEW, "title": "nul\x00byte"}, "title"),
    ({**NEW, "note": "n" * 301}, "note"),
    (["a", "list"], "non_field_errors"),
])
def test_malformed_articles_get_field_errors(api, agent1, tiers, payload, field):
    response = api(agent1).post(ARTICLES, payload, format="json")
    if field is None:
        assert response.status_code == 201
        return
    assert response.status_code == 400, response.content
    assert field in response.json()


def test_a_body_that_is_not_json_is_a_400(api, agent1, public_article):
    response = api(agent1).generic("POST", ARTICLES, "{not json", content_type="application/json")
    assert response.status_code == 400
    assert api(agent1).generic("PATCH", url(public_article), "[", content_type="application/json").status_code == 400


@pytest.mark.parametrize("params, field", [
    ({"language": "fr"}, "language"), ({"category": "abc"}, "category"), ({"category": 999999}, "category"),
    ({"state": "lost"}, "state"), ({"audience": "all"}, "audience"), ({"q": "x" * 1001}, "q"),
])
def test_bad_list_filters_are_400(api, public_article, params, field):
    response = api().get(ARTICLES, params)
    assert response.status_code == 400
    assert field in response.json()


@pytest.mark.parametrize("action, payload, field", [
    ("feedback", {}, "helpful"),
    ("feedback", {"helpful": "maybe"}, "helpful"),
    ("deflect", {"query": "q" * 1001}, "query"),
])
def test_bad_feedback_is_400(api, public_article, customer, action, payload, field):
    response = api(customer).post(url(public_article, action), payload, format="json")
    assert response.status_code == 400
    assert field in response.json()


def test_an_out_of_range_id_is_a_404(api, public_article):
    assert api().get(url(10**30)).status_code == 404
    assert api().get(f"{ARTICLES}abc/").status_code == 404


# --- feedback and deflection --------------------------------------------------------------------------


def test_one_vote_per_reader_through_the_api_and_the_page_alike(api, login, public_article, customer):
    visitor = api()
    assert visitor.post(url(public_article, "feedback"), {"helpful": True}, format="json").status_code == 204
    assert visitor.post(url(public_article, "feedback"), {"helpful": True}, format="json").status_code == 204
    client = api(customer)
    assert client.post(url(public_article, "feedback"), {"helpful": False}, format="json").status_code == 204
    assert client.post(url(public_article, "feedback"), {"helpful": False}, format="json").status_code == 204
    login(customer).post(reverse("kb:article_feedback", args=[public_article.pk]), {"helpful": "no"})
    public_article.refresh_from_db()
    assert (public_article.helpful_count, public_article.not_helpful_count) == (1, 1)


def test_visitors_and_customers_give_feedback(api, public_article, customer):
    assert api().post(url(public_article, "feedback"), {"helpful": True}, format="json").status_code == 204
    assert api(customer).post(url(public_article, "feedback"), {"helpful": False}, format="json").status_code == 204
    public_article.refresh_from_db()
    assert (public_article.helpful_count, public_article.not_helpful_count) == (1, 1)


def test_visitors_and_customers_report_a_saved_ticket_agents_do_not(api, public_article, customer, agent1):
    assert api().post(url(public_article, "deflect"), {"query": "vpn drops"}, format="json").status_code == 204
    assert api(customer).post(url(public_article, "deflect"), {}, format="json").status_code == 204
    assert api(agent1).post(url(public_article, "deflect"), {}, format="json").status_code == 403
    assert sorted((d.user_id or 0, d.query) for d in Deflection.objects.all()) == [(0, "vpn drops"), (customer.pk, "")]


# --- tickets and articles -----------------------------------------------------------------------------


def test_an_agent_links_the_article_that_solved_a_ticket(api, public_article, tier3_article, ticket, agent1):
    client = api(agent1)
    path = f"/api/v1/kb/tickets/{ticket.reference}/articles/"
    response = client.post(path, {"article": public_article.pk, "kind": "used"}, format="json")
    assert response.status_code == 201
    assert response.json()["ticket"] == ticket.reference and response.json()["kind"] == "used"
    assert client.post(path, {"article": public_article.pk}, format="json").status_code == 201  # twice is harmless
    assert ArticleLink.objects.filter(kind=LinkKind.USED).count() == 1
    assert client.get(url(public_article)).json()["reuse_count"] == 1
    # An article the agent may not read is answered like one that does not exist.
    hidden = client.post(path, {"article": tier3_article.pk}, format="json")
    assert hidden.status_code == 400 and "article" in hidden.json()
    assert client.post(path, {"article": public_article.pk, "kind": "created"}, format="json").status_code == 400
    assert client.post("/api/v1/kb/tickets/NOPE-1/articles/", {"article": public_article.pk},
                       format="json").status_code == 404


def test_an_article_from_a_solved_ticket(api, ticket, agent1):
    client = api(agent1)
    path = f"/api/v1/kb/tickets/{ticket.reference}/article-from-ticket/"
    refused = client.post(path)
    assert refused.status_code == 400 and "solved" in refused.json()["detail"][0]
    ticket_services.ticket_reply(ticket=ticket, author=agent1, body="Open the window and replace the fuser.")
    ticket_services.ticket_change_status(ticket=ticket, actor=agent1, status=Status.SOLVED)
    response = client.post(path)
    assert response.status_code == 201
    draft = response.json()
    assert (draft["title"], draft["state"], draft["audience"]) == (ticket.subject, "draft", Audience.AGENTS)
    assert draft["resolution"] == "Open the window and replace the fuser."
    assert [(t["reference"], t["kind"]) for t in draft["linked_tickets"]] == [(ticket.reference, "created")]
    assert draft["author"]["id"] == agent1.pk


# --- a fixed query budget -------------------------------------------------------------------------------


@pytest.fixture
def many_articles(make_article, category):
    for i in range(30):
        make_article(title=f"Scanner problem {i}", problem="The scanner does not scan.", tags=["scanner", f"t{i}"],
                     category=category if i % 2 else None)


@pytest.mark.parametrize("size", [5, 100])
# A search also logs itself (one INSERT).
@pytest.mark.parametrize("who, query, budget", [
    ("visitor", "", 2), ("visitor", "scanner", 2), ("agent", "", 4), ("agent", "scanner", 4),
])
def test_the_list_costs_the_same_queries_for_any_page_size(api, many_articles, agent1, size, who, query, budget,
                                                           django_assert_max_num_queries):
    client = api(agent1 if who == "agent" else None)
    client.get(ARTICLES, {"size": 1, "q": query})  # fills the cached reference lists
    with django_assert_max_num_queries(budget):
        response = client.get(ARTICLES, {"size": size, "q": query})
    assert len(response.json()["results"]) == min(size, 30)
