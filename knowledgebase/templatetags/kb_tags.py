from django import template
from django.utils.html import escape, format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from tickets.models import Status

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
        "can_create_article": ticket.status in (Status.SOLVED, Status.CLOSED),
    }


@register.inclusion_tag("knowledgebase/includes/ticket_panel_placeholder.html")
def kb_ticket_panel(ticket):
    """The card is loaded after the page (htmx): searching the knowledge base for a ticket's words
    takes longer than the rest of the ticket page together, and the agent can start reading."""
    return {"ticket": ticket}
