#!/usr/bin/env bash
# `make bench-sla`: set up like `make run`, then run a benchmark from bench/.
set -euo pipefail
source "$(dirname "$0")/setup.sh"
name=${1:-sla}; shift || true
case "$name" in
  sla) exec python bench/sla_escalation.py "$@" ;;
  kb) exec python bench/kb_search.py "$@" ;;
  http)
    command -v wrk >/dev/null || { log "Installing wrk"; as_root apt-get install -y -qq wrk >/dev/null; }
    exec python bench/http_load.py "$@" ;;
  *) echo "unknown benchmark: $name" >&2; exit 2 ;;
esac
