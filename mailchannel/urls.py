from django.urls import path

from . import views

app_name = "mailchannel"

urlpatterns = [
    path("<int:pk>/", views.inbound_original, name="inbound_original"),
    path("<int:pk>/raw/", views.inbound_raw, name="inbound_raw"),
]
