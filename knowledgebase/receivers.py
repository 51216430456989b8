"""The knowledge base's part in ticket pages, through the hooks of `tickets.signals`."""

from . import selectors, services


def record_articles_shown(sender, ticket, user, data, **kwargs):
    """The articles a customer was shown while writing and filed anyway, kept with the ticket."""
    shown = [v for v in data.getlist("suggested") if v.isascii() and v.isdigit() and len(v) < 10]
    if shown:
        services.record_suggestions(ticket=ticket, article_ids=shown, actor=user)


def reply_from_article(sender, ticket, user, params, **kwargs) -> str:
    """"Use in reply": the reply starts from the article's text (empty for a bad or unreadable id)."""
    if not params.get("use_article"):
        return ""
    return selectors.article_reply_text(user=user, article_id=params["use_article"])
