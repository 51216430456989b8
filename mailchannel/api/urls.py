from rest_framework.routers import SimpleRouter

from . import views

router = SimpleRouter()
router.register("inbound", views.InboundMessageViewSet, basename="api-mail-inbound")
router.register("outbound", views.OutboundMessageViewSet, basename="api-mail-outbound")

urlpatterns = router.urls
