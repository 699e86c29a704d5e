#!/usr/bin/env bash
# Makes sure PostgreSQL (127.0.0.1:5432, user postgres, trust) and Redis (127.0.0.1:6379) answer,
# and that Chromium (/usr/bin/chromium, for the browser tests) is installed.
# Starts them when installed but stopped; installs them from Debian's packages when missing.
# Idempotent: on a machine where both already run, it only checks.
set -euo pipefail

PG_HOST=127.0.0.1 PG_PORT=5432 REDIS_PORT=6379
SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"

log() { printf '[services] %s\n' "$*" >&2; }

pg_answers() { psql -h "$PG_HOST" -p "$PG_PORT" -U postgres -d postgres -Atqc 'SELECT 1' >/dev/null 2>&1; }
redis_answers() { [ "$(redis-cli -h 127.0.0.1 -p "$REDIS_PORT" ping 2>/dev/null)" = "PONG" ]; }

apt_install() {
  log "installing $* from Debian's packages"
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "$@" >/dev/null
}

ensure_postgres() {
  pg_answers && { log "PostgreSQL answers on $PG_HOST:$PG_PORT"; return; }
  command -v pg_lsclusters >/dev/null 2>&1 || apt_install postgresql postgresql-client
  local version
  version=$(ls /etc/postgresql 2>/dev/null | sort -V | tail -n 1)
  if [ -z "$version" ]; then
    version=$(ls /usr/lib/postgresql | sort -V | tail -n 1)
    $SUDO pg_createcluster "$version" main
  fi
  log "starting PostgreSQL $version"
  $SUDO pg_ctlcluster --skip-systemctl-redirect "$version" main start || true
  for _ in $(seq 1 30); do pg_isready -h "$PG_HOST" -p "$PG_PORT" -q && break; sleep 1; done
  if ! pg_answers; then
    # A cluster fresh from the package asks for passwords on TCP: trust loopback, as documented.
    local hba="/etc/postgresql/$version/main/pg_hba.conf"
    log "allowing user postgres on loopback without a password ($hba)"
    $SUDO sed -i '1i host all postgres 127.0.0.1/32 trust\nhost all postgres ::1/128 trust' "$hba"
    $SUDO pg_ctlcluster --skip-systemctl-redirect "$version" main reload
    sleep 1
  fi
  pg_answers || { log "PostgreSQL does not accept user postgres on $PG_HOST:$PG_PORT"; exit 1; }
  log "PostgreSQL answers on $PG_HOST:$PG_PORT"
}

ensure_redis() {
  redis_answers && { log "Redis answers on 127.0.0.1:$REDIS_PORT"; return; }
  command -v redis-server >/dev/null 2>&1 || apt_install redis-server
  log "starting Redis"
  $SUDO mkdir -p /var/lib/redis /var/log/redis
  $SUDO redis-server --daemonize yes --bind 127.0.0.1 -::1 --port "$REDIS_PORT" --save "" \
    --appendonly no --dir /var/lib/redis --logfile /var/log/redis/tenantops.log
  for _ in $(seq 1 30); do redis_answers && break; sleep 0.5; done
  redis_answers || { log "Redis does not answer on 127.0.0.1:$REDIS_PORT"; exit 1; }
  log "Redis answers on 127.0.0.1:$REDIS_PORT"
}

# The operations page's browser tests drive Debian's Chromium (test/support/browser.ts).
[ -x /usr/bin/chromium ] || apt_install chromium

command -v psql >/dev/null 2>&1 || apt_install postgresql-client
command -v redis-cli >/dev/null 2>&1 || apt_install redis-tools
ensure_postgres
ensure_redis
