from django.urls import path

from . import views

app_name = "escalation-api"

urlpatterns = [
    path("tickets/<str:reference>/sla/", views.TicketSlaView.as_view(), name="ticket-sla"),
    path("tickets/<str:reference>/reminder/", views.TicketReminderView.as_view(), name="ticket-reminder"),
    path("notifications/", views.NotificationList.as_view(), name="notifications"),
    path("notifications/read/", views.NotificationsMarkRead.as_view(), name="notifications-read"),
]
