from django.urls import path
from rest_framework.routers import SimpleRouter

from . import views

router = SimpleRouter()
router.register("erasures", views.ErasureRecordViewSet, basename="api-privacy-erasures")
router.register("requests", views.ErasureRequestViewSet, basename="api-privacy-requests")

urlpatterns = [
    path("people/<int:pk>/export/", views.PersonExportView.as_view(), name="api-privacy-export"),
    path("people/<int:pk>/erase/", views.PersonErasureView.as_view(), name="api-privacy-erase"),
    *router.urls,
]
