#!/usr/bin/env bash
# `make bench-sla`: set up like `make run`, then run a benchmark from bench/.
set -euo pipefail
source "$(dirname "$0")/setup.sh"
name=${1:-sla}; shift || true
# The benchmarks' HTTP client comes with the test set; a venv made by `make run` lacks it.
python -c "import requests" 2>/dev/null || pip install -q --disable-pip-version-check "$(grep '^requests==' requirements-test.txt)"
case "$name" in
  sla) exec python bench/sla_escalation.py "$@" ;;
  kb) exec python bench/kb_search.py "$@" ;;
  customers) exec python bench/customer_search.py "$@" ;;
  problems) exec python bench/problem_broadcast.py "$@" ;;
  http)
    command -v wrk >/dev/null || { log "Installing wrk"; as_root apt-get install -y -qq wrk >/dev/null; }
    exec python bench/http_load.py "$@" ;;
  mail)
    # The IMAP server is the tests' dovecot (tests/mailservers.py, which imports pytest); it keeps mail as vmail.
    dpkg-query -W -f='${Status}' dovecot-imapd 2>/dev/null | grep -q "install ok installed" || {
      log "Installing dovecot-imapd"; as_root apt-get update -qq
      as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends dovecot-imapd >/dev/null; }
    id vmail >/dev/null 2>&1 || as_root useradd --system --no-create-home --shell /usr/sbin/nologin vmail
    python -c "import pytest" 2>/dev/null || pip install -q --disable-pip-version-check "$(grep '^pytest==' requirements-test.txt)"
    exec python bench/mail_intake.py "$@" ;;
  *) echo "unknown benchmark: $name" >&2; exit 2 ;;
esac
