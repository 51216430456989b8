from django import template
from django.utils.html import escape
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from helpdesk import markup

from ..models import ArticleState, Audience, Language

register = template.Library()


@register.filter
def highlight(snippet):
    """A search snippet from PostgreSQL's ts_headline: everything escaped except its <mark> tags."""
    escaped = str(escape(snippet or ""))
    return mark_safe(escaped.replace("&lt;mark&gt;", "<mark>").replace("&lt;/mark&gt;", "</mark>"))


def _state_label(state):
    return ArticleState(state).label


def _language_label(language):
    return Language(language).label if language in Language.values else language


@register.simple_tag
def article_state_badge(state):
    return markup.article_state_badge(state, _state_label(state))


@register.simple_tag
def language_badge(language):
    return markup.language_badge(language, _language_label(language))


@register.simple_tag
def audience_badge(article):
    if article.audience == Audience.TIER and article.min_tier_id:
        label = _("From %(tier)s") % {"tier": article.min_tier.name}
    else:
        label = Audience(article.audience).label
    return markup.audience_badge(article.audience, label)


@register.inclusion_tag("knowledgebase/includes/ticket_panel_placeholder.html")
def kb_ticket_panel(ticket):
    """The card is loaded after the page (htmx): searching the knowledge base for a ticket's words
    takes longer than the rest of the ticket page together, and the agent can start reading."""
    return {"ticket": ticket}


@register.simple_tag
def article_hits(hits, is_agent=False):
    """The article results of a search (title, language, state for agents, category, passage)."""
    return markup.article_hits(hits, is_agent=is_agent, state_label=_state_label, language_label=_language_label,
                               highlight=highlight)
