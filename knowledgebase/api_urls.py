from django.urls import path
from rest_framework.routers import SimpleRouter

from . import api

app_name = "kb-api"

router = SimpleRouter()
router.register("articles", api.ArticleViewSet, basename="article")

urlpatterns = [
    path("suggest/", api.SuggestView.as_view(), name="suggest"),
    path("search/", api.SearchView.as_view(), name="search"),
    path("tickets/<str:reference>/articles/", api.TicketArticleLinkView.as_view(), name="ticket-link-article"),
    path("tickets/<str:reference>/article-from-ticket/", api.ArticleFromTicketView.as_view(),
         name="ticket-article-from-ticket"),
    *router.urls,
]
