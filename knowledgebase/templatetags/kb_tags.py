from functools import cache

from django import template
from django.utils.text import Truncator
from django.utils.html import escape, format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from helpdesk.html import url_pattern
from tickets.models import SOLVED_STATUSES

from .. import selectors
from ..models import ArticleState, Audience, Language

register = template.Library()


@register.filter
def highlight(snippet):
    """A search snippet from PostgreSQL's ts_headline: everything escaped except its <mark> tags."""
    escaped = str(escape(snippet or ""))
    return mark_safe(escaped.replace("&lt;mark&gt;", "<mark>").replace("&lt;/mark&gt;", "</mark>"))


# Badges are drawn for every search result: plain format_html, no template per badge.
STATE_CLASSES = {"published": "text-bg-success", "review": "text-bg-warning", "draft": "text-bg-secondary"}


@register.simple_tag
def article_state_badge(state):
    return format_html('<span class="badge {}" data-testid="article-state">{}</span>',
                       STATE_CLASSES.get(state, "text-bg-dark"), ArticleState(state).label)


@register.simple_tag
def language_badge(language):
    label = Language(language).label if language in Language.values else language
    return format_html('<span class="badge text-bg-light border" data-testid="article-language" title="{}">'
                       '<span aria-hidden="true">{}</span><span class="visually-hidden">{}</span></span>',
                       label, language.upper(), label)


@register.simple_tag
def audience_badge(article):
    if article.audience == Audience.TIER and article.min_tier_id:
        label = _("From %(tier)s") % {"tier": article.min_tier.name}
    else:
        label = Audience(article.audience).label
    return format_html('<span class="badge {}" data-testid="article-audience">{}</span>',
                       "text-bg-info" if article.audience == Audience.PUBLIC else "text-bg-danger", label)


def ticket_panel_context(user, ticket) -> dict:
    """The knowledge-base card of the agent ticket page: suggested articles with their actions, the
    articles already linked, and “create article from this ticket” once it is solved."""
    return {
        "ticket": ticket,
        "suggestions": selectors.suggestions_for_ticket(user=user, ticket=ticket),
        "links": list(selectors.ticket_article_links(ticket=ticket, user=user)),
        "can_create_article": ticket.status in SOLVED_STATUSES,
    }


@register.inclusion_tag("knowledgebase/includes/ticket_panel_placeholder.html")
def kb_ticket_panel(ticket):
    """The card is loaded after the page (htmx): searching the knowledge base for a ticket's words
    takes longer than the rest of the ticket page together, and the agent can start reading."""
    return {"ticket": ticket}


@register.simple_tag
def article_hits(hits, is_agent=False):
    """The article results of a search, drawn in Python like the ticket lists (helpdesk/html.py):
    title, language, state for agents, category, and the matching passage or the summary."""
    url = url_pattern("kb:article", 987654321)
    no_category = escape(_("No category"))
    language, state_badge = cache(language_badge), cache(article_state_badge)  # once per page and value
    items = []
    for hit in hits:
        article = hit.article
        state = state_badge(article.state) if is_agent and article.state != ArticleState.PUBLISHED else ""
        category = escape(article.category.name) if article.category_id else no_category
        if hit.snippet:
            text = f'<p class="mb-0 small kb-snippet">… {highlight(hit.snippet)} …</p>'
        elif article.summary:
            text = f'<p class="mb-0 small">{escape(Truncator(article.summary).words(30, truncate=" …"))}</p>'
        else:
            text = ""
        items.append(
            f'<li class="list-group-item"><div class="d-flex flex-wrap align-items-center gap-2">'
            f'<a class="fw-semibold me-auto" href="{url.format(article.pk)}">{escape(article.title)}</a>'
            f'{language(article.language)}{state}</div>'
            f'<div class="small text-body-secondary">{category}</div>{text}</li>\n'
        )
    return mark_safe("".join(items))
