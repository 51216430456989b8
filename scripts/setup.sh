#!/usr/bin/env bash
# Sourced by scripts/run.sh and scripts/test.sh (it exports DATABASE_URL and PATH for them).
# Prepare this machine for the helpdesk, idempotently: Debian packages, PostgreSQL, Redis, the venv,
# migrations and translations. `make run` and `make test` both start here.
#   SETUP_TEST=1      also install the test tools (pytest, Playwright + Debian's Chromium, docker-compose)
#   DATABASE_URL      use this PostgreSQL instead of starting the local one
#   REDIS_URL         use this Redis instead of starting the local one
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT=$(pwd)
VENV=${VENV:-$ROOT/.venv}
# The venv's interpreter: $PYTHON if given, else the fastest Python 3.11 found (scripts/pick_python.py:
# Debian's PGO build beats a source build on PATH), keeping the venv's own unless another is clearly faster.
venv_python() { sed -n 's/^executable = //p' "$VENV/pyvenv.cfg" 2>/dev/null || true; }
if [ -n "${PYTHON:-}" ]; then
  PY=$PYTHON
else
  current=$(venv_python)
  # If the timing fails, the venv keeps its interpreter.
  PY=$(python3 scripts/pick_python.py python3.11 /usr/bin/python3.11 ${current:+--current "$current"}) ||
    PY=${current:-python3.11}
fi
command -v "$PY" >/dev/null 2>&1 || PY=python3
log() { printf '\033[1;34m==> %s\033[0m\n' "$*"; }

as_root() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }

# --- Debian packages ------------------------------------------------------------------------------
# libmagic1: python-magic reads attachments' content types from their bytes (tickets/filetypes.py).
packages=(gettext libmagic1)
[ -n "${DATABASE_URL:-}" ] || packages+=(postgresql postgresql-contrib)
[ -n "${REDIS_URL:-}" ] || packages+=(redis-server)
if [ "${SETUP_TEST:-0}" = 1 ]; then packages+=(chromium docker-compose dovecot-imapd); fi
missing=()
for p in "${packages[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  log "Installing Debian packages: ${missing[*]}"
  as_root apt-get update -qq
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi
if [ "${SETUP_TEST:-0}" = 1 ]; then
  # The IMAP test server (tests/mailservers.py) keeps mail as this user: dovecot refuses uid 0.
  id vmail >/dev/null 2>&1 || as_root useradd --system --no-create-home --shell /usr/sbin/nologin vmail
fi
if ! "$PY" -c "import ensurepip, venv" >/dev/null 2>&1; then
  log "Installing python3-venv"
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq python3-venv >/dev/null
fi

# --- PostgreSQL ------------------------------------------------------------------------------------
if [ -z "${DATABASE_URL:-}" ]; then
  # Debian's cluster, started without systemd (apt does not start services here).
  version=$(pg_lsclusters -h 2>/dev/null | awk 'NR==1{print $1}')
  if [ -z "$version" ]; then
    version=$(ls /usr/lib/postgresql | sort -n | tail -1)
    as_root pg_createcluster "$version" main >/dev/null
  fi
  cluster=$(pg_lsclusters -h | awk -v v="$version" '$1==v{print $2; exit}')
  if ! pg_lsclusters -h | awk -v v="$version" -v c="$cluster" '$1==v && $2==c{print $4}' | grep -q online; then
    log "Starting PostgreSQL $version/$cluster"
    as_root pg_ctlcluster "$version" "$cluster" start
  fi
  port=$(pg_lsclusters -h | awk -v v="$version" -v c="$cluster" '$1==v && $2==c{print $3}')
  for _ in $(seq 1 30); do pg_isready -q -h 127.0.0.1 -p "$port" && break; sleep 1; done
  psql_postgres() { as_root runuser -u postgres -- psql -p "$port" -v ON_ERROR_STOP=1 -tAc "$1"; }
  psql_postgres "select 1 from pg_roles where rolname='app'" | grep -q 1 ||
    psql_postgres "CREATE ROLE app LOGIN PASSWORD 'app' CREATEDB"
  psql_postgres "select 1 from pg_database where datname='helpdesk'" | grep -q 1 ||
    psql_postgres "CREATE DATABASE helpdesk OWNER app"
  export DATABASE_URL="postgres://app:app@127.0.0.1:$port/helpdesk"
fi

# --- Redis -----------------------------------------------------------------------------------------
if [ -z "${REDIS_URL:-}" ]; then
  if ! redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1; then
    log "Starting Redis"
    mkdir -p "$ROOT/.local/redis"
    redis-server --bind 127.0.0.1 --port 6379 --dir "$ROOT/.local/redis" --save '' --appendonly no \
      --daemonize yes --pidfile "$ROOT/.local/redis/redis.pid" --logfile "$ROOT/.local/redis/redis.log"
    for _ in $(seq 1 30); do redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1 && break; sleep 0.2; done
  fi
fi

# --- Python ----------------------------------------------------------------------------------------
requirements=requirements.txt want=run
if [ "${SETUP_TEST:-0}" = 1 ]; then requirements=requirements-test.txt want=test; fi
hash=$(cat requirements.txt requirements-test.txt | sha1sum | cut -c1-12)
if [ -f "$VENV/pyvenv.cfg" ] && [ "$(realpath "$(venv_python)" 2>/dev/null)" != "$(realpath "$(command -v "$PY")")" ]; then
  log "Making $VENV again on $PY (the faster interpreter here)"
  "$PY" -m venv --clear "$VENV"
  rm -f "$VENV"/.installed-*
fi
# The test set includes the runtime set, so a venv made for the tests serves `make run` too.
if [ ! -f "$VENV/.installed-$hash-test" ] && [ ! -f "$VENV/.installed-$hash-$want" ]; then
  log "Installing Python packages into $VENV"
  # --clear repairs a venv left half-made by an interrupted run.
  [ -x "$VENV/bin/pip" ] || "$PY" -m venv --clear "$VENV"
  "$VENV/bin/pip" install -q --disable-pip-version-check --upgrade pip
  "$VENV/bin/pip" install -q --disable-pip-version-check -r "$requirements"
  rm -f "$VENV"/.installed-*
  touch "$VENV/.installed-$hash-$want"
fi
export PATH="$VENV/bin:$PATH"

log "Compiling translations"
python manage.py compilemessages -v 0 --ignore=.venv
