"""URLs of the gunicorn that bench/http_load.py measures: the project's own (helpdesk.urls, unchanged,
with its error handlers) and two bare Django pages on the same stack (settings, full middleware, the
agent's session), the floors every endpoint is measured against in the same run:

- `bench-floor/`: what a plain Django page costs here: the signed-in user, one indexed query for 25
  tickets (the newest, by the queue's own index) and those rows drawn by a Django template. The goals
  are shares of its req/s (endpoint req/s / floor req/s), which moves with the machine as theirs do.
- `bench-floor-ok/`: `HttpResponse("ok")`, what the stack itself costs, for reference.
"""

from django.http import HttpResponse
from django.template import engines
from django.urls import path

from helpdesk import urls as project
from tickets.models import Ticket

ROWS = engines["django"].from_string(
    "<!doctype html><html lang=\"{{ LANGUAGE_CODE|default:'en' }}\"><head><title>Floor</title></head><body>"
    "<p>{{ user.get_username }}</p><table>{% for t in tickets %}<tr><td>{{ t.reference }}</td><td>{{ t.subject }}</td>"
    "<td>{{ t.status }}</td><td>{{ t.priority }}</td><td>{{ t.updated_at|date:'Y-m-d H:i' }}</td></tr>{% endfor %}"
    "</table></body></html>"
)


def floor(request):
    tickets = Ticket.objects.only("reference", "subject", "status", "priority", "updated_at").order_by(
        "-updated_at", "-id")[:25]  # ticket_recent_idx
    return HttpResponse(ROWS.render({"tickets": tickets, "user": request.user}, request))


def floor_ok(request):
    return HttpResponse(b"ok", content_type="text/plain; charset=utf-8")


urlpatterns = [path("bench-floor/", floor, name="bench_floor"), path("bench-floor-ok/", floor_ok, name="bench_floor_ok"),
               *project.urlpatterns]

for _handler in ("handler400", "handler403", "handler404", "handler500"):
    if hasattr(project, _handler):
        globals()[_handler] = getattr(project, _handler)
