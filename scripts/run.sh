#!/usr/bin/env bash
# `make run`: the whole helpdesk on this machine - web server, Celery worker and beat - with demo data.
# Ctrl-C stops everything this script started (PostgreSQL and Redis keep running for the next start).
set -euo pipefail
source "$(dirname "$0")/setup.sh"
export DJANGO_SETTINGS_MODULE=helpdesk.settings.local
# The helpdesk as customers and agents meet it: the product's own error pages, not Django's debug
# pages (a mistyped ticket number is a plain "Not found"). `DJANGO_DEBUG=true make run` for those.
export DJANGO_DEBUG=${DJANGO_DEBUG:-false}
PORT=${PORT:-8000}
# Only this machine reaches the web server unless told otherwise (HELPDESK_BIND=0.0.0.0 for the network).
BIND=${HELPDESK_BIND:-127.0.0.1}
export HELPDESK_BASE_URL=${HELPDESK_BASE_URL:-http://127.0.0.1:$PORT}
mkdir -p .local

log "Migrating the database"
python manage.py migrate --no-input -v 0
python manage.py collectstatic --no-input -v 0
log "Loading demo data"
python manage.py seed_demo
python manage.py seed_demo_mailbox

pids=()
stop() {
  trap - INT TERM EXIT
  log "Stopping"
  kill "${pids[@]}" 2>/dev/null || true
  wait "${pids[@]}" 2>/dev/null || true
}
trap stop INT TERM EXIT

# helpdesk/gunicorn_conf.py: the request line limit (the helpdesk's own 414) and the logs.
gunicorn -c helpdesk/gunicorn_conf.py helpdesk.wsgi:application --bind "$BIND:$PORT" --workers "${WEB_WORKERS:-2}" \
  --access-logfile - &
pids+=($!)
celery -A helpdesk worker -l info --concurrency "${CELERY_CONCURRENCY:-2}" -n "helpdesk@%h" &
pids+=($!)
celery -A helpdesk beat -l info -s .local/celerybeat-schedule --pidfile= &
pids+=($!)

sleep 2
cat <<TXT

  Helpdesk is running at http://127.0.0.1:$PORT/ (listening on $BIND)
  Demo logins (password for all: demo1234):
    customer   anna@example.com, ben@example.com       -> /portal/
    1st level  first1, first2                          -> /agent/
    2nd level  second1, second2
    3rd level  third1
    admin      admin                                   -> /admin/
  API docs: http://127.0.0.1:$PORT/api/docs/     Mail is printed here (console backend).
  Press Ctrl-C to stop.

TXT
wait -n "${pids[@]}"
