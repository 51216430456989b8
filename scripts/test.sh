#!/usr/bin/env bash
# `make test` (and .ci/run): set up like `make run`, check the project, run the whole suite.
set -euo pipefail
SETUP_TEST=1
source "$(dirname "$0")/setup.sh"
export DJANGO_SETTINGS_MODULE=helpdesk.settings.test

log "Checking docker-compose.yml"
docker-compose -f docker-compose.yml config -q
log "Checking the project"
python manage.py check --fail-level WARNING
python manage.py makemigrations --check --dry-run
DJANGO_SETTINGS_MODULE=helpdesk.settings.production DJANGO_SECRET_KEY="$(python -c 'import secrets; print(secrets.token_urlsafe(50))')" \
  HELPDESK_ENCRYPTION_KEYS="$(python -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())')" \
  python manage.py check --deploy --fail-level WARNING
log "Running the tests"
python -m pytest "$@"
