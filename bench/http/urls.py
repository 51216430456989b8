"""URLs of the gunicorn that bench/http_load.py measures: the project's own (helpdesk.urls, unchanged,
with its error handlers) and one more, `bench-floor/`, a bare Django page: a tiny HttpResponse behind
the full middleware on the same stack. Its throughput is the floor the endpoints are measured against
(endpoint req/s / floor req/s), which moves with the machine's load as theirs do."""

from django.http import HttpResponse
from django.urls import path

from helpdesk import urls as project


def floor(request):
    return HttpResponse(b"ok", content_type="text/plain; charset=utf-8")


urlpatterns = [path("bench-floor/", floor, name="bench_floor"), *project.urlpatterns]

for _handler in ("handler400", "handler403", "handler404", "handler500"):
    if hasattr(project, _handler):
        globals()[_handler] = getattr(project, _handler)
