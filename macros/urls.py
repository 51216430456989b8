from django.urls import path

from . import views

app_name = "macros"

urlpatterns = [
    path("", views.macro_list, name="list"),
    path("new/", views.macro_new, name="new"),
    path("<int:pk>/edit/", views.macro_edit, name="edit"),
    path("<int:pk>/delete/", views.macro_delete, name="delete"),
    path("picker/<str:reference>/", views.macro_picker, name="picker"),
    path("selection/apply/", views.selection_apply, name="selection_apply"),
]
