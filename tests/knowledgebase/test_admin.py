"""The knowledge base in the Django admin: every page opens, edits go through the services (a new
version each time), publishing and archiving are actions that the services may refuse."""

import pytest
from django.contrib.auth.models import Permission

from knowledgebase import services
from knowledgebase.models import Article, ArticleState, ArticleVersion, Deflection, SearchLog
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

CHANGELIST = "/admin/knowledgebase/article/"


@pytest.fixture
def admin_client(client, admin_user):
    client.force_login(admin_user)
    return client


@pytest.fixture
def staff_writer(db):
    """Staff who may edit articles in the admin but is no reviewer."""
    user = UserFactory(username="staff.writer", is_staff=True)
    user.user_permissions.add(*Permission.objects.filter(
        content_type__app_label="knowledgebase", codename__in=["view_article", "change_article", "add_article"]))
    return user


def management(article=None):
    """The management forms of the read-only inlines (versions, reviews)."""
    versions = article.versions.count() if article else 0
    reviews = article.reviews.count() if article else 0
    return {"versions-TOTAL_FORMS": versions, "versions-INITIAL_FORMS": versions,
            "reviews-TOTAL_FORMS": reviews, "reviews-INITIAL_FORMS": reviews}


def form_data(article=None, **changes):
    data = {"title": "Printer prints blank pages", "problem": "Every page comes out empty.", "environment": "",
            "cause": "", "resolution": "Replace the toner cartridge.", "summary": "", "category": "",
            "tags": "printer,toner", "language": "en", "audience": "public", "min_tier": "", "note": ""}
    if article is not None:
        data.update({field: getattr(article, field) or "" for field in
                     ["title", "problem", "environment", "cause", "resolution", "summary", "language", "audience"]})
        data["tags"] = ",".join(article.tags)
    return {**data, **management(article), **changes}


def test_every_knowledge_base_admin_page_opens(admin_client, all_articles, ticket, agent1, customer):
    services.link_article(ticket=ticket, article=all_articles["public"], actor=agent1)
    services.log_search(query="vpn", scope="public", results=1)
    services.record_deflection(article=all_articles["public"], user=customer, query="vpn")
    reviewed = all_articles["public"]
    for path in [
        "/admin/knowledgebase/", CHANGELIST, f"{CHANGELIST}add/", f"{CHANGELIST}{reviewed.pk}/change/",
        f"{CHANGELIST}?state__exact=published&language__exact=en", f"{CHANGELIST}?q=VPN",
        "/admin/knowledgebase/review/", "/admin/knowledgebase/articlelink/", "/admin/knowledgebase/searchlog/",
        "/admin/knowledgebase/searchlog/?results=0", "/admin/knowledgebase/deflection/",
    ]:
        assert admin_client.get(path).status_code == 200, path


def test_the_article_page_shows_versions_and_reviews_read_only(admin_client, public_article, reviewer):
    page = admin_client.get(f"{CHANGELIST}{public_article.pk}/change/").text
    assert "Reviewer" in page or "reviewer" in page  # the review inline
    assert "rita.reviewer" in page  # who published it
    assert 'name="versions-0-note"' not in page and 'name="reviews-0-comment"' not in page
    assert 'name="state"' not in page and 'name="helpful_count"' not in page  # generated, read-only
    assert 'name="title"' in page


def test_adding_an_article_in_the_admin_makes_a_draft_with_a_version(admin_client, admin_user):
    response = admin_client.post(f"{CHANGELIST}add/", form_data(note="Written in the admin"))
    assert response.status_code == 302, response.content
    article = Article.objects.get()
    assert (article.state, article.author, article.tags) == (ArticleState.DRAFT, admin_user, ["printer", "toner"])
    version = article.versions.get()
    assert (version.number, version.note, version.editor) == (1, "Written in the admin", admin_user)


def test_a_change_in_the_admin_is_a_new_version(admin_client, public_article, admin_user):
    data = form_data(public_article, resolution="Install VPN client 5.3.", note="New client")
    response = admin_client.post(f"{CHANGELIST}{public_article.pk}/change/", data)
    assert response.status_code == 302, response.content
    public_article.refresh_from_db()
    assert public_article.resolution == "Install VPN client 5.3."
    assert public_article.state == ArticleState.PUBLISHED
    latest = public_article.versions.order_by("-number").first()
    assert (latest.number, latest.note, latest.editor) == (2, "New client", admin_user)


def test_the_admin_form_refuses_what_the_services_refuse(admin_client, tiers):
    for bad in ({"title": "   "}, {"audience": "tier"}, {"language": "fr"}):
        response = admin_client.post(f"{CHANGELIST}add/", form_data(**bad))
        assert response.status_code == 200, bad  # the form again, with its errors
        assert response.context["adminform"].form.errors, bad
    assert not Article.objects.exists()


def test_an_archived_article_cannot_be_changed(admin_client, archived_article):
    page = admin_client.get(f"{CHANGELIST}{archived_article.pk}/change/").text
    assert 'name="title"' not in page
    response = admin_client.post(f"{CHANGELIST}{archived_article.pk}/change/", form_data(archived_article, title="X"))
    assert response.status_code == 403
    assert ArticleVersion.objects.filter(article=archived_article).count() == 1


def _action(client, action, *articles):
    return client.post(CHANGELIST, {"action": action, "_selected_action": [a.pk for a in articles]}, follow=True)


def test_publish_publishes_what_is_in_review_and_names_what_it_refused(admin_client, review_article, draft_article,
                                                                        admin_user):
    response = _action(admin_client, "publish", review_article, draft_article)
    messages = [str(m) for m in response.context["messages"]]
    assert "1 article published." in messages
    assert f"{draft_article}: Only articles in review can be published." in messages
    review_article.refresh_from_db()
    draft_article.refresh_from_db()
    assert review_article.state == ArticleState.PUBLISHED and draft_article.state == ArticleState.DRAFT
    assert review_article.reviews.get().reviewer == admin_user


def test_archive_archives_and_refuses_twice(admin_client, public_article, archived_article):
    response = _action(admin_client, "archive", public_article, archived_article)
    messages = [str(m) for m in response.context["messages"]]
    assert "1 article archived." in messages
    assert f"{archived_article}: The article is already archived." in messages
    public_article.refresh_from_db()
    assert public_article.state == ArticleState.ARCHIVED


def test_staff_who_are_no_reviewers_are_refused_by_the_service(client, staff_writer, review_article, public_article):
    client.force_login(staff_writer)
    for action, article in (("publish", review_article), ("archive", public_article)):
        response = _action(client, action, article)
        assert [str(m) for m in response.context["messages"]] == [f"{article}: Only reviewers can do this."]
    review_article.refresh_from_db()
    public_article.refresh_from_db()
    assert (review_article.state, public_article.state) == (ArticleState.REVIEW, ArticleState.PUBLISHED)
    # Nor may they change someone else's article: the page is read-only for them.
    page = client.get(f"{CHANGELIST}{public_article.pk}/change/").text
    assert 'name="title"' not in page
    # Articles are written by agents: staff without a tier cannot add one.
    assert client.get(f"{CHANGELIST}add/").status_code == 403


def test_searches_without_results_are_one_click_away(admin_client):
    services.log_search(query="printer on fire", scope="public", results=0)
    services.log_search(query="vpn", scope="agent", results=3)
    page = admin_client.get("/admin/knowledgebase/searchlog/?results=0").text
    assert "printer on fire" in page and ">vpn<" not in page
    assert admin_client.get("/admin/knowledgebase/searchlog/?results=some").text.count("printer on fire") == 0
    assert SearchLog.objects.count() == 2


def test_logs_and_deflections_are_read_only(admin_client, public_article, customer):
    services.log_search(query="vpn", scope="public", results=1)
    deflection = services.record_deflection(article=public_article, user=customer, query="vpn")
    log = SearchLog.objects.get()
    assert admin_client.get("/admin/knowledgebase/searchlog/add/").status_code == 403
    assert admin_client.get("/admin/knowledgebase/deflection/add/").status_code == 403
    assert admin_client.get("/admin/knowledgebase/review/add/").status_code == 403
    assert admin_client.post(f"/admin/knowledgebase/searchlog/{log.pk}/change/", {"query": "x"}).status_code == 403
    delete = f"/admin/knowledgebase/deflection/{deflection.pk}/delete/"
    assert admin_client.post(delete, {"post": "yes"}).status_code == 403
    assert Deflection.objects.count() == 1


def test_the_knowledge_base_admin_speaks_german(admin_client, public_article):
    page = admin_client.get("/admin/", HTTP_ACCEPT_LANGUAGE="de").text
    assert "Wissensdatenbank" in page
