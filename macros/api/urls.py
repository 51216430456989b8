from rest_framework.routers import SimpleRouter

from . import views

app_name = "macros-api"

router = SimpleRouter()
router.register("", views.MacroViewSet, basename="macro")

urlpatterns = router.urls
