from django.urls import path

from . import views

app_name = "kb"

urlpatterns = [
    path("", views.index, name="index"),
    path("suggest/", views.suggest, name="suggest"),
    path("review/", views.review_queue, name="review"),
    path("articles/new/", views.article_new, name="article_new"),
    path("articles/<int:pk>/", views.article_detail, name="article"),
    path("articles/<int:pk>/edit/", views.article_edit, name="article_edit"),
    path("articles/<int:pk>/versions/", views.article_versions, name="article_versions"),
    path("articles/<int:pk>/feedback/", views.article_feedback, name="article_feedback"),
    path("articles/<int:pk>/solved/", views.article_deflect, name="article_deflect"),
    path("articles/<int:pk>/submit/", views.article_submit, name="article_submit"),
    path("articles/<int:pk>/publish/", views.article_publish, name="article_publish"),
    path("articles/<int:pk>/send-back/", views.article_send_back, name="article_send_back"),
    path("articles/<int:pk>/archive/", views.article_archive, name="article_archive"),
    path("tickets/<str:reference>/articles/<int:pk>/solved-with/", views.ticket_link_article, name="link_article"),
    path("tickets/<str:reference>/articles/<int:pk>/use-in-reply/", views.ticket_use_in_reply, name="use_in_reply"),
    path("tickets/<str:reference>/create-article/", views.ticket_create_article, name="article_from_ticket"),
    path("tickets/<str:reference>/panel/", views.ticket_panel, name="ticket_panel"),
]
