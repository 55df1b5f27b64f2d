#!/usr/bin/env bash
# A throw-away Jaeger (v2 line, in-memory storage) on 127.0.0.1 for the trace suite
# (*.jaeger.spec.ts). Jaeger's go.mod has `replace` directives, so `go install pkg@version`
# refuses it; we build it in a scratch module instead (`go get -tool`), once per version, into
# the git-ignored .cache/tools/jaeger-<version>/.
#
#   bash deploy/jaeger/jaeger.sh build            # build (or reuse) the binary, print its path
#   bash deploy/jaeger/jaeger.sh run npm test     # start Jaeger, run CMD, stop Jaeger
#
# `run` exports OTEL_EXPORTER_OTLP_ENDPOINT (OTLP/HTTP) and JAEGER_QUERY_URL (query API) to CMD
# and keeps CMD's exit code. Without Go it runs CMD alone, and the trace suite is skipped.
# Only 127.0.0.1 is listened on, on free ports unless given (deploy/jaeger/config.yaml).
# Environment: JAEGER_VERSION (default v1.76.0), JAEGER_OTLP_HTTP_PORT, JAEGER_QUERY_PORT,
# JAEGER_QUERY_GRPC_PORT (default: free ports), JAEGER_START_TIMEOUT_SECONDS (default 60).
set -euo pipefail

JAEGER_VERSION="${JAEGER_VERSION:-v1.76.0}"
JAEGER_START_TIMEOUT_SECONDS="${JAEGER_START_TIMEOUT_SECONDS:-60}"
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
TOOL_DIR="$ROOT/.cache/tools/jaeger-$JAEGER_VERSION"
BIN="$TOOL_DIR/jaeger"
log() { printf '[jaeger] %s\n' "$*" >&2 || true; }

# A port nothing listens on now (the kernel's pick); Jaeger binds it a moment later.
free_port() {
  python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

cmd_build() {
  if [[ -x "$BIN" ]]; then
    log "using cached $BIN"
    echo "$BIN"
    return 0
  fi
  command -v go >/dev/null || { log "go is not installed: cannot build Jaeger"; return 1; }
  local scratch started
  scratch="$(mktemp -d)"
  started=$SECONDS
  log "building Jaeger $JAEGER_VERSION from the Go module proxy (minutes when cold)"
  # Chained with &&: `set -e` does not apply inside `if ! cmd_build` (cmd_run).
  (
    cd "$scratch" &&
      export GOFLAGS=-mod=mod &&
      go mod init example.com/tss-tools >/dev/null 2>&1 &&
      go get -tool "github.com/jaegertracing/jaeger/cmd/jaeger@$JAEGER_VERSION" >&2 &&
      mkdir -p "$TOOL_DIR" &&
      # Build to a temporary name: an interrupted build never leaves a "cached" half binary.
      # A test collector: compiled without optimisations or inlining (-N -l: half the build time
      # on a new machine, measured 321 s → 153 s) and linked without symbols or DWARF (-s -w).
      go build -gcflags "all=-N -l" -ldflags "-s -w" -o "$BIN.partial" github.com/jaegertracing/jaeger/cmd/jaeger >&2 &&
      mv "$BIN.partial" "$BIN"
  ) || { rm -rf "$scratch" "$BIN.partial"; log "building Jaeger $JAEGER_VERSION failed"; return 1; }
  rm -rf "$scratch"
  log "built $BIN in $((SECONDS - started)) s"
  echo "$BIN"
}

cmd_run() {
  if ! cmd_build >/dev/null; then
    log "running without Jaeger: the trace suite will be skipped"
    exec "$@"
  fi
  local dir pid otlp_port="${JAEGER_OTLP_HTTP_PORT:-$(free_port)}" query_port="${JAEGER_QUERY_PORT:-$(free_port)}" grpc_port="${JAEGER_QUERY_GRPC_PORT:-$(free_port)}"
  dir="$(mktemp -d)"
  sed -e "s/@OTLP_HTTP_PORT@/$otlp_port/" -e "s/@QUERY_PORT@/$query_port/" -e "s/@QUERY_GRPC_PORT@/$grpc_port/" \
    "$ROOT/deploy/jaeger/config.yaml" >"$dir/config.yaml"
  "$BIN" --config "$dir/config.yaml" >"$dir/jaeger.log" 2>&1 &
  pid=$!
  trap 'kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null; rm -rf "$dir"' EXIT
  local query="http://127.0.0.1:$query_port" started=$SECONDS deadline=$((SECONDS + JAEGER_START_TIMEOUT_SECONDS))
  until curl -fsS "$query/api/services" >/dev/null 2>&1; do
    if ! kill -0 "$pid" 2>/dev/null || ((SECONDS >= deadline)); then
      tail -n 40 "$dir/jaeger.log" >&2
      log "Jaeger did not start within ${JAEGER_START_TIMEOUT_SECONDS} s"
      exit 1
    fi
    sleep 0.2
  done
  log "Jaeger $JAEGER_VERSION up in $((SECONDS - started)) s: OTLP/HTTP on 127.0.0.1:$otlp_port, query API on $query"
  local code=0
  OTEL_EXPORTER_OTLP_ENDPOINT="http://127.0.0.1:$otlp_port" JAEGER_QUERY_URL="$query" "$@" || code=$?
  exit "$code"
}

case "${1:-}" in
  build) cmd_build ;;
  run) shift; cmd_run "$@" ;;
  *) echo "usage: $0 build | run CMD [ARGS...]" >&2; exit 2 ;;
esac
