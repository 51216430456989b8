from django.urls import path
from rest_framework.routers import SimpleRouter

from . import views

app_name = "kb-api"

router = SimpleRouter()
router.register("articles", views.ArticleViewSet, basename="article")

urlpatterns = [
    path("suggest/", views.SuggestView.as_view(), name="suggest"),
    path("search/", views.SearchView.as_view(), name="search"),
    path("tickets/<str:reference>/articles/", views.TicketArticleLinkView.as_view(), name="ticket-link-article"),
    path("tickets/<str:reference>/article-from-ticket/", views.ArticleFromTicketView.as_view(),
         name="ticket-article-from-ticket"),
    *router.urls,
]
