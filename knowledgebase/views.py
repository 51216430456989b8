"""The knowledge-base pages: search and browse, the article with its workflow buttons, the article
form, the version history, the review queue, suggestions while a customer writes a ticket, and the
actions the agent ticket page offers. Views parse input, call a service or a selector and render."""

import difflib

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from helpdesk.web.decorators import agent_required
from helpdesk.web.forms import run_service
from helpdesk.web.pagination import paginate
from helpdesk.web.visitors import visitor_key
from tickets import roles
from tickets import selectors as ticket_selectors
from tickets.models import Category, Tier

from . import selectors, services
from .forms import ArticleForm, DeflectionForm, FeedbackForm, PublishForm, SearchForm, SendBackForm
from .models import Article, LinkKind

SUGGESTION_PARAM_LENGTH = 1000  # of subject and of description: the selector looks at the first 200 characters


def _search_language(request):
    """The language the customer writes in, for suggestions: the interface language if articles exist in it."""
    language = getattr(request, "LANGUAGE_CODE", "") or ""
    return language if language in dict(Article._meta.get_field("language").choices) else None


# --- search and browse ---------------------------------------------------------------------------


@require_GET
def index(request):
    form = SearchForm(request.GET or None)
    is_agent = roles.is_agent(request.user)
    context = {"form": form, "is_agent": is_agent, "query": "", "hits": None, "solved": []}
    if form.is_bound and not form.is_valid():
        return render(request, "knowledgebase/index.html", context, status=400)
    data = form.cleaned_data if form.is_bound else {}
    query = selectors.clean_query(data.get("q", ""))
    language = data.get("language") or None
    context["query"] = query
    if query:
        hits = selectors.search_articles(user=request.user, text=query, language=language)
        context["hits"] = hits
        if is_agent:
            context["solved"] = selectors.search_solved_tickets(user=request.user, text=query)
        services.log_search(query=query, scope="agent" if is_agent else "public", results=len(hits),
                            user=request.user, language=language or "")
    else:
        browse = selectors.published_by_category(user=request.user, language=language)
        if is_agent:
            context["in_progress"] = selectors.articles_in_progress(user=request.user)[:20]
            context["can_review"] = selectors.can_review(request.user)
        params = request.GET.copy()
        params.pop("page", None)
        context["page"] = paginate(request, browse, default_size=50)
        context["page_query"] = params.urlencode()
    return render(request, "knowledgebase/index.html", context)


@require_GET
@never_cache
def suggest(request):
    """The side panel of the new-ticket form (htmx): a few published public articles for what the
    customer has typed so far. No snippets, at most five, for visitors too."""
    subject = request.GET.get("subject", "")[:SUGGESTION_PARAM_LENGTH]
    description = request.GET.get("description", "")[:SUGGESTION_PARAM_LENGTH]
    hits = selectors.suggestions_for_text(user=request.user, text=f"{subject} {description}",
                                          language=_search_language(request), limit=5)
    return render(request, "knowledgebase/_suggestions.html",
                  {"hits": hits, "subject": selectors.clean_query(subject), "typed": bool(selectors.clean_query(f"{subject} {description}"))})


# --- the article -------------------------------------------------------------------------------


def _detail_context(request, article):
    context = {
        "article": article,
        "from_ticket": request.GET.get("from") == "ticket",
        "deflection_form": DeflectionForm(initial={"q": selectors.clean_query(request.GET.get("q", ""))}),
        "feedback_given": selectors.feedback_given(article=article, voter=visitor_key(request, create=False)),
    }
    if roles.is_agent(request.user):
        context.update({
            "agent_view": True,
            "actions": services.available_actions(article, request.user),
            "links": selectors.article_linked_tickets(article)[:50],
            "stats": selectors.article_stats(article),
            "reviews": selectors.article_reviews(article)[:10],
            "send_back_form": SendBackForm(auto_id="id_send_back_%s"),
            "publish_form": PublishForm(auto_id="id_publish_%s"),
            "version_count": article.versions.count(),
        })
    return context


@require_GET
def article_detail(request, pk):
    article = selectors.article_get_for_user(user=request.user, pk=pk)
    return render(request, "knowledgebase/article_detail.html", _detail_context(request, article))


@require_POST
def article_feedback(request, pk):
    article = selectors.article_get_for_user(user=request.user, pk=pk)
    form = FeedbackForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Please answer with yes or no."))
        context = _detail_context(request, article)
        return render(request, "knowledgebase/article_detail.html", context, status=400)
    services.record_feedback(article=article, helpful=form.cleaned_data["helpful"], voter=visitor_key(request))
    messages.success(request, _("Thank you for your feedback!"))
    return redirect("kb:article", pk=article.pk)


@require_POST
def article_deflect(request, pk):
    """“This solved my problem”: the customer found the answer and files no ticket."""
    article = selectors.article_get_for_user(user=request.user, pk=pk)
    form = DeflectionForm(request.POST)
    query = form.cleaned_data["q"] if form.is_valid() else ""
    services.record_deflection(article=article, user=request.user, query=query)
    messages.success(request, _("Glad the article helped! No ticket has been filed."))
    if request.user.is_authenticated and not roles.is_agent(request.user):
        return redirect("portal:tickets")
    return redirect("kb:index")


# --- writing articles --------------------------------------------------------------------------


@agent_required
def article_new(request):
    form = ArticleForm(request.POST or None, initial={"language": request.LANGUAGE_CODE})
    if request.method == "POST" and form.is_valid():
        article = run_service(form, services.article_create, author=request.user, note=form.cleaned_data["note"],
                              **form.article_fields())
        if article is not None:
            messages.success(request, _("The draft has been saved."))
            return redirect("kb:article", pk=article.pk)
    return render(request, "knowledgebase/article_form.html", {"form": form, "article": None},
                  status=400 if form.errors else 200)


@agent_required
def article_edit(request, pk):
    article = selectors.article_get_for_user(user=request.user, pk=pk)
    if not services.can_edit(article, request.user):
        raise PermissionDenied(_("You cannot edit this article in its current state."))
    form = ArticleForm(request.POST or None, article=article)
    if request.method == "POST" and form.is_valid():
        saved = run_service(form, services.article_update, article=article, editor=request.user,
                            note=form.cleaned_data["note"], **form.article_fields())
        if saved is not None:
            messages.success(request, _("The article has been saved."))
            return redirect("kb:article", pk=article.pk)
    return render(request, "knowledgebase/article_form.html", {"form": form, "article": article},
                  status=400 if form.errors else 200)


def _workflow(request, pk, call, success):
    """Run one workflow step on the article; a refusal is shown on the article page."""
    article = selectors.article_get_for_user(user=request.user, pk=pk)
    try:
        call(article)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, success)
    return redirect("kb:article", pk=article.pk)


@agent_required
@require_POST
def article_submit(request, pk):
    return _workflow(request, pk, lambda a: services.article_submit(article=a, actor=request.user),
                     _("The article has been submitted for review."))


@agent_required
@require_POST
def article_publish(request, pk):
    selectors.article_get_for_user(user=request.user, pk=pk)  # 404 for an article this user cannot read
    services.require_reviewer(request.user)  # before the form: a non-reviewer hears that, not what it lacked
    form = PublishForm(request.POST, auto_id="id_publish_%s")
    comment = form.cleaned_data["comment"] if form.is_valid() else ""
    return _workflow(request, pk, lambda a: services.article_publish(article=a, reviewer=request.user, comment=comment),
                     _("The article has been published."))


@agent_required
@require_POST
def article_send_back(request, pk):
    article = selectors.article_get_for_user(user=request.user, pk=pk)
    services.require_reviewer(request.user)  # before the form, as above
    form = SendBackForm(request.POST, auto_id="id_send_back_%s")
    if form.is_valid() and run_service(form, services.article_send_back, article=article, reviewer=request.user,
                                       comment=form.cleaned_data["comment"]):
        messages.success(request, _("The article has been sent back to its author."))
        return redirect("kb:article", pk=article.pk)
    if not form.errors:  # refused for a reason that is not the comment (e.g. the state)
        return redirect("kb:article", pk=article.pk)
    context = _detail_context(request, article)
    context["send_back_form"] = form
    return render(request, "knowledgebase/article_detail.html", context, status=400)


@agent_required
@require_POST
def article_archive(request, pk):
    return _workflow(request, pk, lambda a: services.article_archive(article=a, reviewer=request.user),
                     _("The article has been archived."))


# --- versions and review -----------------------------------------------------------------------


def _field_value(field, value, names):
    if field in ("category_id", "min_tier_id"):
        return names[field].get(value, "") if value else ""
    if field == "tags":
        return ", ".join(value or [])
    if field == "language":
        return dict(Article._meta.get_field("language").choices).get(value, value or "")
    if field == "audience":
        return dict(Article._meta.get_field("audience").choices).get(value, value or "")
    return value or ""


def _diff(version, previous):
    """Per field that changed: the unified diff lines, each with its kind (add, del, context)."""
    new, old = version.content, previous.content if previous else {}
    names = {
        "category_id": dict(Category.objects.filter(pk__in={new.get("category_id"), old.get("category_id")} - {None})
                            .values_list("pk", "name")),
        "min_tier_id": dict(Tier.objects.filter(pk__in={new.get("min_tier_id"), old.get("min_tier_id")} - {None})
                            .values_list("pk", "name")),
    }
    changes = []
    for field in services.CONTENT_FIELDS:
        before = str(_field_value(field, old.get(field), names))
        after = str(_field_value(field, new.get(field), names))
        if before == after:
            continue
        lines = []
        for line in list(difflib.unified_diff(before.splitlines(), after.splitlines(), lineterm="", n=2))[2:]:
            kind = {"+": "add", "-": "del", "@": "hunk"}.get(line[:1], "context")
            lines.append((kind, line))
        label = Article._meta.get_field(field.removesuffix("_id")).verbose_name
        changes.append({"label": label, "lines": lines})
    return changes


@agent_required
@require_GET
def article_versions(request, pk):
    article = selectors.article_get_for_user(user=request.user, pk=pk)
    versions = list(selectors.article_versions(article))
    if not versions:
        return render(request, "knowledgebase/versions.html", {"article": article, "versions": [], "shown": None})
    number = request.GET.get("version", versions[0].number)
    shown, previous = selectors.article_version_pair(article=article, number=number)
    return render(request, "knowledgebase/versions.html", {
        "article": article, "versions": versions, "shown": shown, "previous": previous,
        "changes": _diff(shown, previous),
    })


@login_required
@require_GET
def review_queue(request):
    if not selectors.can_review(request.user):
        raise PermissionDenied(_("Only reviewers can open the review queue."))
    page = paginate(request, selectors.review_queue())
    return render(request, "knowledgebase/review_queue.html", {"page": page})


# --- the agent ticket page ---------------------------------------------------------------------


def _ticket_and_article(request, reference, pk):
    ticket = ticket_selectors.ticket_get_for_user(user=request.user, reference=reference)
    article = selectors.article_get_for_user(user=request.user, pk=pk)
    return ticket, article


@agent_required
@require_POST
def ticket_link_article(request, reference, pk):
    """“Solved with this”: the article is linked to the ticket as the one that solved it."""
    ticket, article = _ticket_and_article(request, reference, pk)
    services.link_article(ticket=ticket, article=article, actor=request.user, kind=LinkKind.USED)
    messages.success(request, _("The article “%(title)s” is linked to this ticket.") % {"title": article.title})
    return redirect("agent:ticket", reference=ticket.reference)


@agent_required
@require_POST
def ticket_use_in_reply(request, reference, pk):
    """“Use in reply”: link the article as used and open the reply form pre-filled with it."""
    ticket, article = _ticket_and_article(request, reference, pk)
    services.link_article(ticket=ticket, article=article, actor=request.user, kind=LinkKind.USED)
    url = reverse("agent:ticket", kwargs={"reference": ticket.reference})
    return redirect(f"{url}?use_article={article.pk}#pane-reply")


@agent_required
@require_POST
def ticket_create_article(request, reference):
    ticket = ticket_selectors.ticket_get_for_user(user=request.user, reference=reference)
    try:
        article = services.article_from_ticket(ticket=ticket, author=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("agent:ticket", reference=ticket.reference)
    messages.success(request, _("A draft has been created from the ticket. Complete it and submit it for review."))
    return redirect("kb:article_edit", pk=article.pk)


@agent_required
@require_GET
def ticket_panel(request, reference):
    """The knowledge-base card of the agent ticket page, loaded by htmx once the page is shown."""
    # The card reads the ticket's own words and status only: no related rows to join.
    ticket = ticket_selectors.ticket_get_for_user(user=request.user, reference=reference, related=())
    return render(request, "knowledgebase/includes/ticket_panel.html", {
        **selectors.ticket_panel(user=request.user, ticket=ticket),
        "can_create_article": services.may_write_article_from(ticket, request.user),
    })
