"""Writing, reviewing and publishing articles; from a solved ticket to an article and back."""

import pytest
from django.contrib.auth.models import AnonymousUser, Group, Permission
from django.core.exceptions import PermissionDenied, ValidationError

from knowledgebase import selectors, services
from knowledgebase.models import ArticleLink, ArticleState, Audience, LinkKind, Review
from tickets import services as ticket_services
from tickets.models import Status
from tests.factories import make_agent, make_ticket

pytestmark = pytest.mark.django_db

TEXT = {"title": "Printer prints blank pages", "problem": "Every page comes out empty.",
        "resolution": "Replace the toner cartridge.", "language": "en"}


@pytest.fixture
def writer(tier1):
    return make_agent(tier1, username="writer")


@pytest.fixture
def reviewer_user(tier3):
    reviewer = make_agent(tier3, username="kb.reviewer")
    reviewer.user_permissions.add(Permission.objects.get(codename="review_article"))
    return reviewer


def draft(author, **overrides):
    return services.article_create(author=author, **{**TEXT, **overrides})


def test_a_new_article_is_a_draft_with_its_first_version(writer):
    article = draft(writer)
    assert article.state == ArticleState.DRAFT
    assert [v.number for v in article.versions.all()] == [1]
    assert article.versions.get().content["title"] == TEXT["title"]


def test_empty_required_parts_are_refused_field_by_field(writer):
    with pytest.raises(ValidationError) as error:
        draft(writer, title=" ", resolution="")
    assert set(error.value.message_dict) == {"title", "resolution"}


def test_a_tier_audience_needs_its_tier(writer):
    with pytest.raises(ValidationError) as error:
        draft(writer, audience=Audience.TIER)
    assert "min_tier" in error.value.message_dict


def test_customers_cannot_write_articles(customer):
    with pytest.raises(PermissionDenied):
        draft(customer)


def test_every_edit_is_a_new_version_and_no_change_is_no_version(writer):
    article = draft(writer)
    services.article_update(article=article, editor=writer, resolution="Replace the toner.", note="shorter")
    services.article_update(article=article, editor=writer, resolution="Replace the toner.")
    assert list(article.versions.values_list("number", "note")) == [(1, "Created"), (2, "shorter")]


def test_the_review_workflow(writer, reviewer_user):
    article = draft(writer)
    services.article_submit(article=article, actor=writer)
    assert article.state == ArticleState.REVIEW
    with pytest.raises(PermissionDenied):
        services.article_publish(article=article, reviewer=writer)

    with pytest.raises(ValidationError):
        services.article_send_back(article=article, reviewer=reviewer_user, comment="  ")
    services.article_send_back(article=article, reviewer=reviewer_user, comment="Add the printer model.")
    assert article.state == ArticleState.DRAFT

    services.article_update(article=article, editor=writer, environment="HP LaserJet 4000")
    services.article_submit(article=article, actor=writer)
    services.article_publish(article=article, reviewer=reviewer_user)
    assert article.state == ArticleState.PUBLISHED and article.published_at
    assert list(Review.objects.values_list("decision", "version")) == [("published", 2), ("changes", 1)]


def test_authors_cannot_edit_after_submitting_but_reviewers_can(writer, reviewer_user):
    article = draft(writer)
    services.article_submit(article=article, actor=writer)
    with pytest.raises(PermissionDenied):
        services.article_update(article=article, editor=writer, title="Sneaky")
    services.article_update(article=article, editor=reviewer_user, title="Printer prints empty pages")


def test_only_drafts_are_submitted_and_only_reviewed_articles_published(writer, reviewer_user):
    article = draft(writer)
    with pytest.raises(ValidationError):
        services.article_publish(article=article, reviewer=reviewer_user)
    services.article_submit(article=article, actor=writer)
    with pytest.raises(ValidationError):
        services.article_submit(article=article, actor=writer)


@pytest.mark.parametrize("decide", [services.article_publish, services.article_send_back])
def test_a_review_comment_has_one_length_limit_whoever_asks(writer, reviewer_user, decide):
    article = draft(writer)
    services.article_submit(article=article, actor=writer)
    too_long = "x" * (services.REVIEW_COMMENT_MAX_LENGTH + 1)
    with pytest.raises(ValidationError) as refused:
        decide(article=article, reviewer=reviewer_user, comment=too_long)
    assert "comment" in refused.value.message_dict
    decide(article=article, reviewer=reviewer_user, comment="x" * services.REVIEW_COMMENT_MAX_LENGTH)
    assert Review.objects.get().comment == "x" * services.REVIEW_COMMENT_MAX_LENGTH


def test_visibility_follows_state_audience_and_tier(writer, reviewer_user, customer, tier2, tier3, agent1, agent2):
    def published(**overrides):
        article = draft(writer, **overrides)
        services.article_submit(article=article, actor=writer)
        return services.article_publish(article=article, reviewer=reviewer_user)

    public = published(audience=Audience.PUBLIC)
    internal = published(audience=Audience.AGENTS)
    third_only = published(audience=Audience.TIER, min_tier=tier3)
    second_up = published(audience=Audience.TIER, min_tier=tier2)
    a_draft = draft(writer, audience=Audience.PUBLIC)

    def visible(user):
        return set(selectors.articles_visible_to(user).values_list("pk", flat=True))

    assert visible(AnonymousUser()) == {public.pk}
    assert visible(customer) == {public.pk}
    assert visible(agent2) == {public.pk, internal.pk, second_up.pk}
    assert visible(agent1) == {public.pk, internal.pk}  # 1st level
    assert a_draft.pk in visible(writer)  # authors see their own drafts
    assert {third_only.pk, a_draft.pk} <= visible(reviewer_user)


def test_an_article_from_a_solved_ticket_is_prefilled_and_linked(customer, agent1, tiers):
    ticket = make_ticket(customer, subject="Outlook asks for the password again and again",
                         description="Since this morning Outlook keeps asking.")
    ticket_services.ticket_reply(ticket=ticket, author=agent1, body="Remove the stored credentials in Windows.")
    with pytest.raises(ValidationError, match="once it is solved"):
        services.article_from_ticket(ticket=ticket, author=agent1)

    ticket_services.ticket_change_status(ticket=ticket, actor=agent1, status=Status.SOLVED)
    article = services.article_from_ticket(ticket=ticket, author=agent1)
    assert article.title == ticket.subject
    assert article.problem == ticket.description
    assert article.resolution == "Remove the stored credentials in Windows."
    assert article.state == ArticleState.DRAFT
    assert ArticleLink.objects.get(article=article).kind == LinkKind.CREATED


def test_linking_counts_reuse_once_per_ticket(ticket, writer):
    article = draft(writer)
    services.link_article(ticket=ticket, article=article, actor=writer)
    services.link_article(ticket=ticket, article=article, actor=writer)
    assert selectors.article_reuse_count(article) == 1


def test_nobody_links_an_article_they_cannot_read(ticket, agent1, writer):
    with pytest.raises(PermissionDenied):
        services.link_article(ticket=ticket, article=draft(writer), actor=agent1)


def test_suggestions_recorded_on_a_ticket_are_only_those_the_customer_may_see(ticket, customer, writer, reviewer_user):
    hidden = draft(writer, audience=Audience.PUBLIC)
    shown = draft(writer, audience=Audience.PUBLIC)
    services.article_submit(article=shown, actor=writer)
    services.article_publish(article=shown, reviewer=reviewer_user)
    assert services.record_suggestions(ticket=ticket, article_ids=[hidden.pk, shown.pk, 999999], actor=customer) == 1
    assert list(ticket.article_links.values_list("article", "kind")) == [(shown.pk, "suggested")]


def test_feedback_and_deflections_are_counted(writer, customer):
    article = draft(writer)
    assert services.record_feedback(article=article, helpful=True, voter="user:1")
    assert services.record_feedback(article=article, helpful=False, voter="user:2")
    services.record_deflection(article=article, user=customer, query="printer empty pages")
    article.refresh_from_db()
    assert (article.helpful_count, article.not_helpful_count) == (1, 1)
    assert selectors.article_stats(article)["deflections"] == 1


def test_a_reader_is_counted_once_per_article_whatever_they_answer_next(writer):
    article = draft(writer)
    assert services.record_feedback(article=article, helpful=True, voter="session:abc")
    assert not services.record_feedback(article=article, helpful=False, voter="session:abc")
    assert services.record_feedback(article=draft(writer, title="Another one"), helpful=False, voter="session:abc")
    article.refresh_from_db()
    assert (article.helpful_count, article.not_helpful_count) == (1, 0)


def test_who_may_review_follows_permissions_groups_tiers_and_flags_at_once(review_article, tier2):
    # can_review() is kept in the cache (every agent's search asks); each change must reach it at once.
    agent = make_agent(tier2, username="new.reviewer")
    permission = Permission.objects.get(codename="review_article", content_type__app_label="knowledgebase")

    def finds_the_article_in_review():
        return review_article in [hit.article for hit in selectors.search_articles(user=agent, text="VPN password")]

    assert not selectors.can_review(agent) and not finds_the_article_in_review()
    reviewers = Group.objects.create(name="KB reviewers")
    agent.groups.add(reviewers)
    assert not selectors.can_review(agent)
    reviewers.permissions.add(permission)
    assert selectors.can_review(agent) and finds_the_article_in_review()
    agent.groups.remove(reviewers)
    assert not selectors.can_review(agent) and not finds_the_article_in_review()
    agent.user_permissions.add(permission)
    assert selectors.can_review(agent)
    agent.user_permissions.clear()
    assert not selectors.can_review(agent)
    tier2.permissions.add(permission)  # the tier's powers, set by an admin
    assert selectors.can_review(agent) and finds_the_article_in_review()
    tier2.permissions.remove(permission)
    assert not selectors.can_review(agent)
    tier2.lead = agent  # a tier's lead reviews unless the tier says otherwise
    tier2.save()
    assert selectors.can_review(agent)
    tier2.lead_reviews_articles = False
    tier2.save()
    assert not selectors.can_review(agent)
    agent.is_superuser = True
    agent.save()
    assert selectors.can_review(agent)
    agent.is_active = False
    agent.save()
    assert not selectors.can_review(agent)
