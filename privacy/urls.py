from django.urls import path

from . import views

urlpatterns = [
    path("privacy/", views.notice, name="privacy_notice"),
    path("portal/account/data/", views.my_data, name="privacy_account"),
    path("portal/account/data/export/", views.my_data_export, name="privacy_export"),
    path("portal/account/data/erasure/", views.my_data_erasure, name="privacy_erasure_request"),
]
