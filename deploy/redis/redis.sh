#!/usr/bin/env bash
# A throw-away Redis on 127.0.0.1 for the Redis suite (rate limits shared by gateway replicas).
# Installs Debian's redis-server when it is missing (root, apt), runs CMD with REDIS_URL
# exported, and stops the server on exit, keeping CMD's exit code.
#
#   bash deploy/redis/redis.sh run npm test
#
# Environment: REDIS_PORT (default 6390).
set -euo pipefail

REDIS_PORT="${REDIS_PORT:-6390}"
log() { printf '[redis] %s\n' "$*" >&2 || true; }

ensure_installed() {
  command -v redis-server >/dev/null && return 0
  if [[ "$(id -u)" != 0 ]] || ! command -v apt-get >/dev/null; then
    log "redis-server is not installed and cannot be installed here (needs root and apt)"
    return 1
  fi
  log "installing redis-server from Debian's packages"
  apt-get update -qq >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends redis-server >/dev/null
}

cmd_run() {
  if ! ensure_installed; then
    log "running without Redis: the Redis suite will be skipped"
    exec "$@"
  fi
  local dir
  dir="$(mktemp -d)"
  redis-server --port "$REDIS_PORT" --bind 127.0.0.1 --save '' --appendonly no --daemonize yes \
    --dir "$dir" --pidfile "$dir/redis.pid" --logfile "$dir/redis.log"
  trap 'redis-cli -p "$REDIS_PORT" shutdown nosave >/dev/null 2>&1 || true; rm -rf "$dir"' EXIT
  for _ in $(seq 1 50); do
    redis-cli -p "$REDIS_PORT" ping >/dev/null 2>&1 && break
    sleep 0.1
  done
  redis-cli -p "$REDIS_PORT" ping >/dev/null || { cat "$dir/redis.log" >&2; log "redis did not start"; exit 1; }
  log "redis listening on 127.0.0.1:$REDIS_PORT"
  local code=0
  REDIS_URL="redis://127.0.0.1:$REDIS_PORT" "$@" || code=$?
  exit "$code"
}

case "${1:-}" in
  run) shift; cmd_run "$@" ;;
  *) echo "usage: $0 run CMD [ARGS...]" >&2; exit 2 ;;
esac
