from django import template
from django.utils.html import escape
from django.utils.safestring import mark_safe

from tickets.models import Status

from .. import selectors
from ..models import ArticleState, Audience, Language

register = template.Library()


@register.filter
def highlight(snippet):
    """A search snippet from PostgreSQL's ts_headline: everything escaped except its <mark> tags."""
    escaped = str(escape(snippet or ""))
    return mark_safe(escaped.replace("&lt;mark&gt;", "<mark>").replace("&lt;/mark&gt;", "</mark>"))


@register.inclusion_tag("knowledgebase/includes/state_badge.html")
def article_state_badge(state):
    return {"state": state, "label": ArticleState(state).label}


@register.inclusion_tag("knowledgebase/includes/language_badge.html")
def language_badge(language):
    return {"language": language, "label": Language(language).label if language in Language.values else language}


@register.inclusion_tag("knowledgebase/includes/audience_badge.html")
def audience_badge(article):
    return {"audience": article.audience, "label": Audience(article.audience).label, "tier": article.min_tier}


def ticket_panel_context(user, ticket) -> dict:
    """The knowledge-base card of the agent ticket page: suggested articles with their actions, the
    articles already linked, and “create article from this ticket” once it is solved."""
    return {
        "ticket": ticket,
        "suggestions": selectors.suggestions_for_ticket(user=user, ticket=ticket),
        "links": list(selectors.ticket_article_links(ticket=ticket, user=user)),
        "can_create_article": ticket.status in (Status.SOLVED, Status.CLOSED),
    }


@register.inclusion_tag("knowledgebase/includes/ticket_panel_placeholder.html")
def kb_ticket_panel(ticket):
    """The card is loaded after the page (htmx): searching the knowledge base for a ticket's words
    takes longer than the rest of the ticket page together, and the agent can start reading."""
    return {"ticket": ticket}
