"""Knowledge-base pages: who may read and do what, what bad input does, and what the pages record
(searches, feedback, deflections, suggestions, links between articles and tickets)."""

import re

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from knowledgebase import services
from knowledgebase.models import (
    Article, ArticleLink, ArticleState, ArticleVersion, Audience, Deflection, LinkKind, Review, SearchLog,
)
from tests.factories import make_ticket
from tickets import services as ticket_services
from tickets.models import Status, Ticket

pytestmark = pytest.mark.django_db

HIDDEN_FROM_CUSTOMERS = ("internal", "tier3", "draft", "review", "archived")


def article_url(article, name="article"):
    return reverse(f"kb:{name}", kwargs={"pk": article.pk})


def ticket_kb_url(name, ticket, article=None):
    kwargs = {"reference": ticket.reference}
    if article is not None:
        kwargs["pk"] = article.pk
    return reverse(f"kb:{name}", kwargs=kwargs)


def solved(ticket, agent):
    ticket_services.ticket_reply(ticket=ticket, author=agent, body="Please update the VPN client to 5.2.",
                                 status=Status.SOLVED)
    ticket.refresh_from_db()
    return ticket


def linked_titles(html):
    return re.findall(r'href="/kb/articles/\d+/[^"]*">([^<]+)</a>', html)


# --- who reads what --------------------------------------------------------------------------------


@pytest.mark.parametrize("who", ["anonymous", "customer"])
def test_visitors_and_customers_read_only_published_public_articles(client, login, customer, all_articles, who):
    if who == "customer":
        login(customer)
    assert client.get(article_url(all_articles["public"])).status_code == 200
    for name in HIDDEN_FROM_CUSTOMERS:
        response = client.get(article_url(all_articles[name]))
        assert response.status_code == 404, name  # 404, not 403: nothing says the article exists
        assert all_articles[name].title not in response.text


def test_an_agent_reads_internal_articles_but_not_those_of_a_higher_tier_or_anothers_draft(login, agent1, all_articles):
    client = login(agent1)
    assert client.get(article_url(all_articles["public"])).status_code == 200
    assert client.get(article_url(all_articles["internal"])).status_code == 200
    for name in ("tier3", "draft", "review", "archived"):
        assert client.get(article_url(all_articles[name])).status_code == 404, name


def test_a_tier3_author_reads_the_tier_article_and_their_own_draft(login, agent3, all_articles):
    client = login(agent3)
    for name in ("tier3", "draft", "review"):
        assert client.get(article_url(all_articles[name])).status_code == 200, name


def test_an_unknown_article_is_404(client):
    assert client.get("/kb/articles/999999/").status_code == 404


@pytest.mark.parametrize("who", ["anonymous", "customer"])
def test_the_public_search_and_the_category_list_show_only_published_public_articles(client, login, customer, all_articles, who):
    if who == "customer":
        login(customer)
    response = client.get("/kb/", {"q": "VPN"})
    assert response.status_code == 200
    assert linked_titles(response.text) == [all_articles["public"].title]
    assert "Solved tickets" not in response.text

    browse = client.get("/kb/")
    assert browse.status_code == 200
    assert linked_titles(browse.text) == [all_articles["public"].title]


def test_a_first_level_agent_searches_internal_articles_but_not_tier3_or_drafts(login, agent1, all_articles):
    titles = linked_titles(login(agent1).get("/kb/", {"q": "VPN"}).text)
    assert set(titles) == {all_articles["public"].title, all_articles["internal"].title}


def test_a_tier3_agent_finds_the_tier_article(login, agent3, all_articles):
    titles = linked_titles(login(agent3).get("/kb/", {"q": "debug logging"}).text)
    assert titles == [all_articles["tier3"].title]


def test_the_search_logs_each_query_with_its_scope(client, login, customer, agent1, public_article):
    client.get("/kb/", {"q": "  VPN   disconnects "})
    login(agent1).get("/kb/", {"q": "printer"})
    logs = list(SearchLog.objects.order_by("id").values_list("query", "scope", "results", "user"))
    assert logs == [("VPN disconnects", "public", 1, None), ("printer", "agent", 0, agent1.pk)]


def test_the_search_cuts_an_overlong_query_and_rejects_an_unknown_language(client, public_article):
    response = client.get("/kb/", {"q": "VPN " * 2000})
    assert response.status_code == 200
    assert len(SearchLog.objects.get().query) <= 200
    bad = client.get("/kb/", {"q": "VPN", "language": "xx"})
    assert bad.status_code == 400
    assert "Select a valid choice" in bad.text


def test_the_search_filters_by_language(client, make_article):
    make_article(title="VPN trennt die Verbindung", language="de", problem="Das VPN trennt alle zehn Minuten.",
                 resolution="VPN-Client aktualisieren.")
    make_article(title="VPN drops the connection", language="en")
    assert linked_titles(client.get("/kb/", {"q": "VPN", "language": "de"}).text) == ["VPN trennt die Verbindung"]


def test_a_search_snippet_keeps_the_highlight_and_escapes_everything_else(client, make_article):
    # ts_headline drops whole tags but passes a cut-off one through: "<img src=x onerror=alert".
    make_article(title="Router reboots", problem="The router reboots at night.",
                 resolution="Disable the firmware <img src=x onerror=alert(1)> update & reboot when 1 < 2.")
    html = client.get("/kb/", {"q": "firmware"}).text
    assert "<mark>firmware</mark>" in html
    assert "<img" not in html
    assert "&lt;img src=x onerror=alert" in html


def test_a_typo_still_finds_the_article_by_its_title(client, public_article):
    assert linked_titles(client.get("/kb/", {"q": "disconects"}).text) == [public_article.title]


def test_agents_also_find_solved_tickets_customers_do_not(client, login, agent1, customer, tiers):
    done = solved(make_ticket(customer, subject="Laser printer jams on tray 2"), agent1)
    open_ticket = make_ticket(customer, subject="Laser printer jams again")
    html = login(agent1).get("/kb/", {"q": "printer jams"}).text
    assert "Solved tickets" in html
    assert reverse("agent:ticket", kwargs={"reference": done.reference}) in html
    assert open_ticket.reference not in html
    customer_html = login(customer).get("/kb/", {"q": "printer jams"}).text
    assert done.reference not in customer_html and "Solved tickets" not in customer_html


# --- suggestions while a customer writes -------------------------------------------------------------


@pytest.mark.parametrize("who", ["anonymous", "customer", "agent3", "reviewer"])
def test_suggestions_only_ever_show_published_public_articles(client, login, customer, agent3, reviewer, all_articles, who):
    if who != "anonymous":
        login({"customer": customer, "agent3": agent3, "reviewer": reviewer}[who])
    response = client.get("/kb/suggest/", {"subject": "VPN gateway", "description": "VPN debug logging certificate"})
    assert response.status_code == 200
    public = all_articles["public"]
    assert re.findall(r'name="suggested" value="(\d+)"', response.text) == [str(public.pk)]
    assert f'href="/kb/articles/{public.pk}/?from=ticket&amp;q=VPN%20gateway"' in response.text
    for name in HIDDEN_FROM_CUSTOMERS:
        assert all_articles[name].title not in response.text
    assert "<html" not in response.text  # a partial for htmx, not a page


def test_suggestions_show_at_most_five_articles(client, make_article):
    for i in range(7):
        make_article(title=f"Printer problem number {i}", problem="The printer does not print.",
                     resolution="Restart the printer.")
    html = client.get("/kb/suggest/", {"subject": "printer"}).text
    assert len(re.findall(r'name="suggested"', html)) == 5


def test_suggestions_handle_short_overlong_and_odd_input(client, public_article):
    assert "Start typing" in client.get("/kb/suggest/").text
    assert 'name="suggested"' not in client.get("/kb/suggest/", {"subject": "VP"}).text
    response = client.get("/kb/suggest/", {"subject": "VPN " * 5000, "description": "x" * 50000})
    assert response.status_code == 200
    assert public_article.title in response.text
    odd = client.get("/kb/suggest/", {"subject": "'\"<&>) OR 1=1 -- !:*"})
    assert odd.status_code == 200
    assert "<&>" not in odd.text
    assert client.post("/kb/suggest/", {"subject": "VPN"}).status_code == 405


def test_the_new_ticket_form_asks_for_suggestions_and_a_filed_ticket_keeps_them(login, customer, tiers, all_articles):
    client = login(customer)
    form = client.get("/portal/tickets/new/").text
    assert 'hx-get="/kb/suggest/"' in form
    assert 'hx-include="#id_subject, #id_description"' in form
    hidden = [all_articles["public"], all_articles["draft"], all_articles["internal"]]
    response = client.post("/portal/tickets/new/", {
        "subject": "VPN disconnects", "description": "Every ten minutes.",
        "suggested": [str(a.pk) for a in hidden] + ["abc", "²", "99999999999999999999", ""],
    })
    assert response.status_code == 302
    ticket = Ticket.objects.get()
    links = list(ArticleLink.objects.filter(ticket=ticket).values_list("article", "kind", "created_by"))
    assert links == [(all_articles["public"].pk, LinkKind.SUGGESTED, customer.pk)]


def test_a_ticket_filed_without_suggestions_records_none(login, customer, tiers):
    response = login(customer).post("/portal/tickets/new/", {"subject": "Printer", "description": "Broken."})
    assert response.status_code == 302
    assert not ArticleLink.objects.exists()


# --- feedback and deflection -------------------------------------------------------------------------


def test_feedback_is_counted_once_per_visitor(client, public_article):
    url = article_url(public_article, "article_feedback")
    response = client.post(url, {"helpful": "yes"}, follow=True)
    assert response.redirect_chain == [(article_url(public_article), 302)]
    assert "Thank you for your feedback!" in response.text
    client.post(url, {"helpful": "yes"})
    Client().post(url, {"helpful": "no"})
    public_article.refresh_from_db()
    assert (public_article.helpful_count, public_article.not_helpful_count) == (1, 1)


def test_feedback_needs_yes_or_no_and_a_readable_article(client, public_article, draft_article):
    assert client.post(article_url(public_article, "article_feedback"), {"helpful": "maybe"}).status_code == 400
    assert client.post(article_url(draft_article, "article_feedback"), {"helpful": "yes"}).status_code == 404
    assert client.get(article_url(public_article, "article_feedback")).status_code == 405
    public_article.refresh_from_db()
    assert (public_article.helpful_count, public_article.not_helpful_count) == (0, 0)


def test_opened_from_the_ticket_form_the_article_offers_this_solved_my_problem(client, login, customer, public_article):
    client = login(customer)
    html = client.get(article_url(public_article), {"from": "ticket", "q": "VPN drops"}).text
    assert "This solved my problem" in html
    assert 'name="q" value="VPN drops"' in html
    assert "This solved my problem" not in client.get(article_url(public_article)).text


def test_a_customer_who_found_the_answer_is_counted_as_deflected_and_files_nothing(login, customer, public_article):
    client = login(customer)
    response = client.post(article_url(public_article, "article_deflect"), {"q": "VPN drops"}, follow=True)
    assert response.redirect_chain == [("/portal/", 302)]
    assert "No ticket has been filed" in response.text
    deflection = Deflection.objects.get()
    assert (deflection.article, deflection.user, deflection.query) == (public_article, customer, "VPN drops")
    assert not Ticket.objects.exists()


def test_an_anonymous_visitor_is_deflected_back_to_the_knowledge_base(client, public_article, draft_article):
    response = client.post(article_url(public_article, "article_deflect"), {"q": "x" * 5000})
    assert response.url == "/kb/"
    assert Deflection.objects.get().user is None
    assert Deflection.objects.get().query == "x" * 200
    assert client.post(article_url(draft_article, "article_deflect")).status_code == 404
    assert Deflection.objects.count() == 1


# --- CSRF ----------------------------------------------------------------------------------------------


def test_every_post_needs_the_csrf_token(customer, agent3, reviewer, review_article, public_article, tiers):
    ticket = solved(make_ticket(customer, subject="VPN disconnects"), agent3)
    posts = [
        (None, article_url(public_article, "article_feedback"), {"helpful": "yes"}),
        (None, article_url(public_article, "article_deflect"), {"q": "x"}),
        (customer, article_url(public_article, "article_deflect"), {"q": "x"}),
        (agent3, "/kb/articles/new/", {"title": "T", "problem": "P", "resolution": "R", "language": "en", "audience": "public"}),
        (agent3, article_url(public_article, "article_edit"), {"title": "Changed"}),
        (reviewer, article_url(review_article, "article_publish"), {}),
        (reviewer, article_url(review_article, "article_send_back"), {"comment": "No"}),
        (reviewer, article_url(public_article, "article_archive"), {}),
        (agent3, ticket_kb_url("link_article", ticket, public_article), {}),
        (agent3, ticket_kb_url("use_in_reply", ticket, public_article), {}),
        (agent3, ticket_kb_url("article_from_ticket", ticket), {}),
    ]
    for user, url, data in posts:
        client = Client(enforce_csrf_checks=True)
        if user:
            client.force_login(user)
        assert client.post(url, data).status_code == 403, url
    public_article.refresh_from_db()
    review_article.refresh_from_db()
    assert (public_article.helpful_count, public_article.state, review_article.state) == (0, "published", "review")
    assert not Deflection.objects.exists()
    assert Article.objects.count() == 2
    assert not ArticleLink.objects.exists()


def test_the_pages_carry_the_csrf_token_in_their_forms(client, login, customer, public_article):
    html = login(customer).get(article_url(public_article), {"from": "ticket"}).text
    assert html.count('name="csrfmiddlewaretoken"') >= 3  # feedback, deflection (and the language switch)


# --- writing and the review workflow -----------------------------------------------------------------


@pytest.mark.parametrize("name", ["article_new", "review"])
def test_anonymous_visitors_are_sent_to_the_login_for_agent_pages(client, name):
    response = client.get(reverse(f"kb:{name}"))
    assert response.status_code == 302 and response.url.startswith("/accounts/login/")


def test_anonymous_visitors_cannot_touch_the_workflow(client, review_article, public_article):
    for url in (article_url(public_article, "article_edit"), article_url(public_article, "article_versions")):
        assert client.get(url).status_code == 302
    for name in ("article_submit", "article_publish", "article_send_back", "article_archive"):
        assert client.post(article_url(review_article, name)).status_code == 302


def test_a_customer_cannot_write_edit_submit_or_publish(login, customer, public_article, review_article):
    client = login(customer)
    assert client.get("/kb/articles/new/").status_code == 403
    assert client.post("/kb/articles/new/", {"title": "Mine", "problem": "P", "resolution": "R",
                                             "language": "en", "audience": "public"}).status_code == 403
    assert client.get(article_url(public_article, "article_edit")).status_code == 403
    assert client.post(article_url(public_article, "article_edit"), {"title": "Hacked"}).status_code == 403
    assert client.get(article_url(public_article, "article_versions")).status_code == 403
    for name in ("article_submit", "article_publish", "article_archive"):
        assert client.post(article_url(review_article, name)).status_code == 403
    assert client.post(article_url(review_article, "article_send_back"), {"comment": "x"}).status_code == 403
    assert client.get("/kb/review/").status_code == 403
    public_article.refresh_from_db()
    review_article.refresh_from_db()
    assert (public_article.title, review_article.state, Article.objects.count()) == (
        "VPN disconnects every ten minutes", ArticleState.REVIEW, 2)
    html = client.get(article_url(public_article)).text
    for label in ("Edit", "Submit for review", "Publish", "Archive", "Versions", "Linked tickets"):
        assert f">{label}<" not in html


def test_an_agent_writes_a_draft(login, agent2, category, tier3):
    client = login(agent2)
    assert client.get("/kb/articles/new/").status_code == 200
    response = client.post("/kb/articles/new/", {
        "title": "Outlook asks for the password", "problem": "Outlook keeps asking for the password.",
        "environment": "Outlook 365", "cause": "An old token.", "resolution": "Remove the cached credentials.",
        "summary": "Outlook remembered an old password.", "category": category.pk, "tags": "Outlook, password, ,outlook",
        "language": "en", "audience": "tier", "min_tier": tier3.pk, "note": "First draft",
    })
    article = Article.objects.get()
    assert response.status_code == 302 and response.url == article_url(article)
    assert (article.author, article.state, article.category, article.tags, article.min_tier) == (
        agent2, ArticleState.DRAFT, category, ["outlook", "password"], tier3)
    assert list(article.versions.values_list("number", "note")) == [(1, "First draft")]


def test_the_article_form_shows_field_errors_and_keeps_what_was_typed(login, agent2):
    client = login(agent2)
    response = client.post("/kb/articles/new/", {
        "title": "", "problem": "Keeps <b>asking</b>", "resolution": "Remove it", "language": "en",
        "audience": "tier", "min_tier": "", "tags": "a, b",
    })
    assert response.status_code == 400
    assert 'id="id_title_error"' in response.text
    assert "Keeps &lt;b&gt;asking&lt;/b&gt;</textarea>" in response.text
    assert 'value="a, b"' in response.text
    # The form is fine, the service refuses: its error lands on the field it is about.
    response = client.post("/kb/articles/new/", {
        "title": "Outlook", "problem": "Keeps asking", "resolution": "Remove it", "language": "en",
        "audience": "tier", "min_tier": "",
    })
    assert response.status_code == 400
    assert re.search(r'id="id_min_tier_error">Choose the tier', response.text)
    assert 'value="Outlook"' in response.text
    bad = client.post("/kb/articles/new/", {"title": "x" * 300, "problem": "p", "resolution": "r",
                                            "language": "xx", "audience": "everyone", "category": "abc"})
    assert bad.status_code == 400
    for field in ("title", "language", "audience", "category"):
        assert f'id="id_{field}_error"' in bad.text
    assert not Article.objects.exists()


def test_the_author_edits_their_draft_and_a_new_version_is_kept(login, agent3, draft_article):
    client = login(agent3)
    page = client.get(article_url(draft_article, "article_edit"))
    assert page.status_code == 200 and draft_article.title in page.text
    data = {"title": "VPN split tunnelling", "problem": draft_article.problem, "resolution": "Add the VPN routes.\nReconnect.",
            "language": "en", "audience": "public", "note": "Clearer title"}
    assert client.post(article_url(draft_article, "article_edit"), data).status_code == 302
    draft_article.refresh_from_db()
    assert draft_article.title == "VPN split tunnelling"
    assert list(draft_article.versions.values_list("number", "note")) == [(1, "Created"), (2, "Clearer title")]


def test_who_may_edit_what(login, agent1, agent3, reviewer, all_articles, archived_article):
    # Another agent may not edit a draft they cannot even read; nor a published article without review rights.
    assert login(agent1).get(article_url(all_articles["draft"], "article_edit")).status_code == 404
    assert login(agent1).get(article_url(all_articles["internal"], "article_edit")).status_code == 403
    # The author no longer edits once it is in review or published; the reviewer does, except archived.
    assert login(agent3).get(article_url(all_articles["review"], "article_edit")).status_code == 403
    assert login(agent3).get(article_url(all_articles["public"], "article_edit")).status_code == 403
    assert login(reviewer).get(article_url(all_articles["public"], "article_edit")).status_code == 200
    assert login(reviewer).get(article_url(archived_article, "article_edit")).status_code == 403


def test_an_author_submits_but_cannot_publish_their_own_article(login, agent3, draft_article):
    client = login(agent3)
    html = client.get(article_url(draft_article)).text
    assert "Submit for review" in html and ">Publish<" not in html
    response = client.post(article_url(draft_article, "article_submit"), follow=True)
    assert "submitted for review" in response.text
    draft_article.refresh_from_db()
    assert draft_article.state == ArticleState.REVIEW
    assert client.post(article_url(draft_article, "article_publish")).status_code == 403
    assert client.post(article_url(draft_article, "article_archive")).status_code == 403
    assert client.post(article_url(draft_article, "article_send_back"), {"comment": "x"}).status_code == 403
    draft_article.refresh_from_db()
    assert draft_article.state == ArticleState.REVIEW and not Review.objects.exists()
    # Submitting twice is refused with a message, not an error page.
    again = client.post(article_url(draft_article, "article_submit"), follow=True)
    assert again.status_code == 200 and "Only drafts can be submitted" in again.text


def test_a_reviewer_publishes_with_a_comment(login, reviewer, review_article):
    client = login(reviewer)
    html = client.get(article_url(review_article)).text
    assert ">Publish<" in html and "Send back to the author" in html
    client.post(article_url(review_article, "article_publish"), {"comment": "Well written"})
    review_article.refresh_from_db()
    assert review_article.state == ArticleState.PUBLISHED and review_article.published_at
    assert list(Review.objects.values_list("decision", "comment", "reviewer")) == [("published", "Well written", reviewer.pk)]


def test_send_back_without_a_comment_is_refused(login, reviewer, agent3, review_article):
    client = login(reviewer)
    response = client.post(article_url(review_article, "article_send_back"), {"comment": "   "})
    assert response.status_code == 400
    assert 'id="id_send_back_comment_error"' in response.text
    review_article.refresh_from_db()
    assert review_article.state == ArticleState.REVIEW and not Review.objects.exists()

    client.post(article_url(review_article, "article_send_back"), {"comment": "Add the client version."})
    review_article.refresh_from_db()
    assert review_article.state == ArticleState.DRAFT
    # The author sees why, on the article.
    assert "Add the client version." in login(agent3).get(article_url(review_article)).text


def test_a_reviewer_archives_and_the_article_leaves_the_public_kb(client, login, reviewer, public_article):
    login(reviewer).post(article_url(public_article, "article_archive"))
    public_article.refresh_from_db()
    assert public_article.state == ArticleState.ARCHIVED
    client.logout()
    assert client.get(article_url(public_article)).status_code == 404


def test_workflow_pages_of_an_unreadable_article_are_404(login, agent1, draft_article):
    client = login(agent1)
    for name in ("article_submit", "article_publish", "article_archive", "article_send_back"):
        assert client.post(article_url(draft_article, name), {"comment": "x"}).status_code == 404
    assert client.get(article_url(draft_article, "article_versions")).status_code == 404
    assert client.get(article_url(draft_article, "article_submit")).status_code == 405


def test_the_review_queue_is_for_reviewers_only(login, agent1, agent3, reviewer, review_article, draft_article):
    assert login(agent1).get("/kb/review/").status_code == 403
    assert login(agent3).get("/kb/review/").status_code == 403
    response = login(reviewer).get("/kb/review/")
    assert response.status_code == 200
    assert linked_titles(response.text) == [review_article.title]


# --- versions ----------------------------------------------------------------------------------------


def test_the_version_history_shows_what_changed(login, agent3, reviewer, make_article):
    article = make_article(state=ArticleState.DRAFT, resolution="Update the VPN client.\nRestart.")
    services.article_update(article=article, editor=agent3, note="Name the version",
                            resolution="Update the VPN client to 5.2.\nRestart.")
    client = login(agent3)
    response = client.get(article_url(article, "article_versions"))
    assert response.status_code == 200
    html = response.text
    assert "Name the version" in html and "Version 1" in html
    assert '<span class="diff-line bg-danger-subtle text-danger-emphasis" data-kind="del">-Update the VPN client.</span>' in html
    assert '<span class="diff-line bg-success-subtle text-success-emphasis" data-kind="add">+Update the VPN client to 5.2.</span>' in html
    first = client.get(article_url(article, "article_versions"), {"version": 1})
    assert first.status_code == 200 and "the first version" in first.text
    for bad in ("abc", "99", "0", "-1", ""):
        assert client.get(article_url(article, "article_versions"), {"version": bad}).status_code == 404, bad


def test_the_version_history_is_for_agents_who_may_read_the_article(login, agent1, customer, public_article, tier3_article):
    assert login(agent1).get(article_url(public_article, "article_versions")).status_code == 200
    assert login(agent1).get(article_url(tier3_article, "article_versions")).status_code == 404
    assert login(customer).get(article_url(public_article, "article_versions")).status_code == 403


# --- the agent ticket page ---------------------------------------------------------------------------


def test_the_ticket_page_suggests_published_articles_the_agent_may_read(login, agent1, customer, all_articles, tiers):
    ticket = make_ticket(customer, subject="VPN gateway disconnects", description="VPN debug logging shows drops.")
    client = login(agent1)
    page = client.get(reverse("agent:ticket", kwargs={"reference": ticket.reference})).text
    assert 'data-testid="kb-panel-loading"' in page  # the card follows the page (htmx)
    html = client.get(reverse("kb:ticket_panel", kwargs={"reference": ticket.reference})).text
    panel = html[html.index('data-testid="kb-panel"'):]
    assert all_articles["public"].title in panel and all_articles["internal"].title in panel
    for name in ("tier3", "draft", "review", "archived"):
        assert all_articles[name].title not in panel
    assert "Solved with this" in panel and "Use in reply" in panel
    assert "Create article from this ticket" not in panel  # the ticket is not solved


def test_solved_with_this_links_the_article_once(login, agent1, customer, public_article, tiers):
    ticket = make_ticket(customer, subject="VPN disconnects")
    client = login(agent1)
    url = ticket_kb_url("link_article", ticket, public_article)
    response = client.post(url, follow=True)
    assert response.redirect_chain[-1][0] == reverse("agent:ticket", kwargs={"reference": ticket.reference})
    client.post(url)
    assert list(ArticleLink.objects.values_list("ticket", "article", "kind", "created_by")) == [
        (ticket.pk, public_article.pk, LinkKind.USED, agent1.pk)]
    html = client.get(reverse("kb:ticket_panel", kwargs={"reference": ticket.reference})).text
    linked = html[html.index('data-testid="linked-articles"'):]
    assert public_article.title in linked and "Solved with" in linked
    # The article shows the ticket it solved, and how often it was reused.
    article_html = client.get(article_url(public_article)).text
    assert ticket.reference in article_html
    assert "solved 1 ticket" in article_html


def test_use_in_reply_links_the_article_and_prefills_the_reply(login, agent1, customer, public_article, tiers):
    ticket = make_ticket(customer, subject="VPN disconnects")
    client = login(agent1)
    response = client.post(ticket_kb_url("use_in_reply", ticket, public_article))
    ticket_url = reverse("agent:ticket", kwargs={"reference": ticket.reference})
    assert response.url == f"{ticket_url}?use_article={public_article.pk}#pane-reply"
    assert ArticleLink.objects.filter(ticket=ticket, article=public_article, kind=LinkKind.USED).exists()
    html = client.get(response.url).text
    textarea = re.search(r'<textarea name="body"[^>]*id="id_reply_body"[^>]*>(.*?)</textarea>', html, re.S).group(1)
    assert public_article.summary in textarea and public_article.resolution in textarea
    note = re.search(r'<textarea name="body"[^>]*id="id_note_body"[^>]*>(.*?)</textarea>', html, re.S).group(1)
    assert note.strip() == ""


@pytest.mark.parametrize("value", ["abc", "999999", "", "1e3"])
def test_use_article_with_a_bad_id_leaves_the_reply_empty(login, agent1, ticket, value):
    html = login(agent1).get(reverse("agent:ticket", kwargs={"reference": ticket.reference}), {"use_article": value}).text
    assert re.search(r'id="id_reply_body"[^>]*>\s*</textarea>', html)


def test_use_article_never_prefills_an_article_the_agent_may_not_read(login, agent1, ticket, tier3_article):
    url = reverse("agent:ticket", kwargs={"reference": ticket.reference})
    html = login(agent1).get(url, {"use_article": tier3_article.pk}).text
    assert tier3_article.resolution not in html
    assert login(agent1).post(ticket_kb_url("use_in_reply", ticket, tier3_article)).status_code == 404
    assert login(agent1).post(ticket_kb_url("link_article", ticket, tier3_article)).status_code == 404
    assert not ArticleLink.objects.exists()


def test_customers_cannot_link_articles_or_create_them_from_tickets(login, customer, ticket, public_article):
    client = login(customer)
    assert client.post(ticket_kb_url("link_article", ticket, public_article)).status_code == 403
    assert client.post(ticket_kb_url("use_in_reply", ticket, public_article)).status_code == 403
    assert client.post(ticket_kb_url("article_from_ticket", ticket)).status_code == 403
    assert not ArticleLink.objects.exists() and Article.objects.count() == 1


def test_an_unknown_ticket_is_404(login, agent1, public_article):
    client = login(agent1)
    assert client.post("/kb/tickets/HD-0000-000000/articles/%d/solved-with/" % public_article.pk).status_code == 404
    assert client.post("/kb/tickets/HD-0000-000000/create-article/").status_code == 404


def test_an_article_is_created_from_a_solved_ticket(login, agent1, customer, tiers, category):
    ticket = make_ticket(customer, subject="Printer prints blank pages", description="Every page comes out white.",
                         category=category)
    client = login(agent1)
    ticket_url = reverse("agent:ticket", kwargs={"reference": ticket.reference})
    # Not before it is solved.
    response = client.post(ticket_kb_url("article_from_ticket", ticket), follow=True)
    assert response.redirect_chain[-1][0] == ticket_url
    assert "once it is solved" in response.text and not Article.objects.exists()

    solved(ticket, agent1)
    assert "Create article from this ticket" in client.get(reverse("kb:ticket_panel", kwargs={"reference": ticket.reference})).text
    response = client.post(ticket_kb_url("article_from_ticket", ticket))
    article = Article.objects.get()
    assert response.url == article_url(article, "article_edit")
    assert (article.title, article.problem, article.resolution, article.category, article.author, article.state) == (
        "Printer prints blank pages", "Every page comes out white.", "Please update the VPN client to 5.2.",
        category, agent1, ArticleState.DRAFT)
    assert ArticleLink.objects.filter(ticket=ticket, article=article, kind=LinkKind.CREATED).exists()
    assert ArticleVersion.objects.filter(article=article).count() == 1
    edit = client.get(response.url)
    assert edit.status_code == 200 and "Every page comes out white." in edit.text


def test_the_ticket_page_costs_the_same_queries_however_many_articles_are_linked(login, agent1, customer, make_article, tiers):
    ticket = make_ticket(customer, subject="VPN disconnects", description="VPN drops.")
    url = reverse("agent:ticket", kwargs={"reference": ticket.reference})
    client = login(agent1)

    def count():
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        return len(queries)

    services.link_article(ticket=ticket, article=make_article(title="VPN one"), actor=agent1)
    count()  # fills the cached reference lists
    one = count()
    for i in range(6):
        services.link_article(ticket=ticket, article=make_article(title=f"VPN more {i}"), actor=agent1)
    assert count() == one


def test_the_article_page_for_agents_shows_author_state_and_versions(login, agent1, internal_article):
    html = login(agent1).get(article_url(internal_article)).text
    assert "Tara Third" in html
    assert 'data-testid="article-state">Published<' in html
    assert article_url(internal_article, "article_versions") in html
    assert str(Audience.AGENTS.label) in html


def test_the_ticket_panel_is_for_agents_and_their_tickets(login, customer, agent1, ticket):
    url = reverse("kb:ticket_panel", kwargs={"reference": ticket.reference})
    assert login(customer).get(url).status_code == 403
    assert login(agent1).get("/kb/tickets/HD-0000-000000/panel/").status_code == 404


def test_the_ticket_card_keeps_its_suggestions_until_an_article_changes(login, agent1, customer, make_article, reviewer, tiers):
    """The ticket's words do not change, so the card's hits are kept; publishing or archiving an
    article shows on the next card, and only what the agent may read is ever shown."""
    ticket = make_ticket(customer, subject="Printer jams on tray two", description="The printer jams.")
    client = login(agent1)
    url = reverse("kb:ticket_panel", kwargs={"reference": ticket.reference})
    first = make_article(title="Printer jams: clean the rollers")
    assert first.title in client.get(url).text
    second = make_article(title="Printer jams after a firmware update")
    assert second.title in client.get(url).text  # published since: the kept hits were dropped
    services.article_archive(article=first, reviewer=reviewer)
    assert first.title not in client.get(url).text
