from django.urls import path

from . import views

urlpatterns = [
    path("notifications/", views.notifications, name="notifications"),
    path("notifications/read/", views.notifications_read, name="notifications_read"),
    path("follow-up/<str:reference>/", views.reminder_set, name="reminder_set"),
]
