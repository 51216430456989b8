"""Knowledge-base fixtures: a reviewer, and articles in every state and for every audience."""

import pytest
from django.contrib.auth.models import Permission

from knowledgebase import services
from knowledgebase.models import ArticleState, Audience
from tests.factories import make_agent


@pytest.fixture(autouse=True)
def authors_are_not_reviewers(tier3):
    """Here the reviewer is one named person, so that author and reviewer are two people.

    By default the whole 3rd level reviews (its tier holds the permission); that default is tested in
    tests/tickets/test_powers.py.
    """
    tier3.permissions.remove(Permission.objects.get(codename="review_article", content_type__app_label="knowledgebase"))


@pytest.fixture
def reviewer(tier3):
    """A 3rd-level agent who may review and publish articles."""
    user = make_agent(tier3, username="rita.reviewer", first_name="Rita", last_name="Reviewer")
    user.user_permissions.add(Permission.objects.get(codename="review_article", content_type__app_label="knowledgebase"))
    return user


def _article(author, *, state=ArticleState.PUBLISHED, reviewer=None, **fields):
    """An article made through the services and brought to `state` the way people do it."""
    defaults = {
        "title": "VPN disconnects every ten minutes",
        "problem": "The VPN client drops the connection every ten minutes.",
        "resolution": "Update the VPN client to version 5.2 and restart the laptop.",
        "summary": "An old VPN client loses the connection; the update fixes it.",
        "language": "en",
        "audience": Audience.PUBLIC,
    }
    article = services.article_create(author=author, **{**defaults, **fields})
    if state == ArticleState.DRAFT:
        return article
    services.article_submit(article=article, actor=author)
    if state == ArticleState.REVIEW:
        return article
    assert reviewer is not None, "publishing needs a reviewer"
    services.article_publish(article=article, reviewer=reviewer)
    if state == ArticleState.ARCHIVED:
        services.article_archive(article=article, reviewer=reviewer)
    article.refresh_from_db()
    return article


@pytest.fixture
def make_article(agent3, reviewer):
    """`make_article(title=..., state=..., audience=..., ...)`: written by agent3, published by the reviewer."""

    def _make(*, author=None, state=ArticleState.PUBLISHED, **fields):
        return _article(author or agent3, state=state, reviewer=reviewer, **fields)

    return _make


@pytest.fixture
def public_article(make_article):
    return make_article()


@pytest.fixture
def internal_article(make_article):
    return make_article(title="VPN gateway certificate renewal", audience=Audience.AGENTS,
                        problem="Agents: the VPN gateway certificate expires.", resolution="Renew the VPN certificate on the gateway.")


@pytest.fixture
def tier3_article(make_article, tier3):
    return make_article(title="VPN gateway debug logging", audience=Audience.TIER, min_tier=tier3,
                        problem="Only 3rd level: VPN gateway debug logs.", resolution="Enable VPN debug logging on the gateway.")


@pytest.fixture
def draft_article(make_article):
    return make_article(title="VPN draft about split tunnelling", state=ArticleState.DRAFT,
                        problem="Split tunnel VPN routes are missing.", resolution="Add the VPN routes.")


@pytest.fixture
def review_article(make_article):
    return make_article(title="VPN article waiting for review", state=ArticleState.REVIEW,
                        problem="VPN client asks for the password twice.", resolution="Clear the VPN saved credentials.")


@pytest.fixture
def archived_article(make_article):
    return make_article(title="VPN client 4 (archived)", state=ArticleState.ARCHIVED,
                        problem="The old VPN client 4 crashes.", resolution="Use VPN client 5.")


@pytest.fixture
def all_articles(public_article, internal_article, tier3_article, draft_article, review_article, archived_article):
    return {"public": public_article, "internal": internal_article, "tier3": tier3_article,
            "draft": draft_article, "review": review_article, "archived": archived_article}

