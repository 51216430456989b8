from django.urls import path
from rest_framework.routers import SimpleRouter

from . import views

app_name = "api"

router = SimpleRouter()
router.register("tickets", views.TicketViewSet, basename="ticket")
router.register("customers", views.CustomerViewSet, basename="customer")

urlpatterns = [
    path("tiers/", views.TierList.as_view(), name="tier-list"),
    path("categories/", views.CategoryList.as_view(), name="category-list"),
    path("attachments/<int:pk>/", views.AttachmentDownload.as_view(), name="attachment-download"),
    *router.urls,
]
