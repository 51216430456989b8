from rest_framework.routers import SimpleRouter

from . import views

app_name = "problems-api"

router = SimpleRouter()
router.register("", views.ProblemViewSet, basename="problem")

urlpatterns = router.urls
