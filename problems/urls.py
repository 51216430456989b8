from django.urls import path

from . import views

app_name = "problems"

urlpatterns = [
    path("", views.problem_list, name="list"),
    path("new/", views.problem_new, name="new"),
    path("<int:pk>/", views.problem_detail, name="detail"),
    path("<int:pk>/edit/", views.problem_edit, name="edit"),
    path("<int:pk>/status/", views.problem_status, name="status"),
    path("<int:pk>/link/", views.problem_link, name="link"),
    path("<int:pk>/unlink/<str:reference>/", views.problem_unlink, name="unlink"),
    path("<int:pk>/workaround/", views.problem_workaround, name="workaround"),
    path("<int:pk>/resolve/", views.problem_resolve, name="resolve"),
    path("<int:pk>/proposals/", views.proposal_new, name="proposal_new"),
    path("<int:pk>/proposals/<int:proposal_pk>/decide/", views.proposal_decide, name="proposal_decide"),
    path("<int:pk>/proposals/<int:proposal_pk>/implemented/", views.proposal_implemented, name="proposal_implemented"),
    path("candidates/", views.candidate_list, name="candidates"),
    path("candidates/dismiss/", views.candidate_dismiss, name="candidate_dismiss"),
    path("selection/link/", views.selection_link, name="selection_link"),
    path("selection/new/", views.selection_new, name="selection_new"),
    path("tickets/<str:reference>/link/", views.ticket_link, name="ticket_link"),
]
