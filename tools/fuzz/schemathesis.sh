#!/usr/bin/env bash
# Fuzzes the API as its OpenAPI document describes it (issue #7): starts the platform in one process
# on a fresh data folder and free ports, then runs schemathesis over /openapi.json with a partner
# token and with an admin token. Checks: no 5xx but the documented 503 ticket-not-yet-visible with Retry-After (hooks.py) and no status the document
# does not list (status_code_conformance). Exits non-zero on any failure; stops the platform on exit.
#
#   tools/fuzz/schemathesis.sh            # MAX_EXAMPLES=50 per operation by default (about 2 minutes on 2 cores)
#   MAX_EXAMPLES=200 tools/fuzz/schemathesis.sh
#   PARTNER_MODE=positive tools/fuzz/schemathesis.sh   # the partner's run with valid data only (CI)
#
# Needs python3 (with venv) and network access to PyPI the first time; the venv is cached in
# .cache/schemathesis-venv (git-ignored). Reports land in .cache/schemathesis-report/<token>/.
set -uo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
# Pinned: checked with `pip index versions schemathesis`; the CLI below is that version's (`st run --help`).
SCHEMATHESIS_VERSION="4.32.5"
VENV="$ROOT/.cache/schemathesis-venv"
REPORTS="$ROOT/.cache/schemathesis-report"
MAX_EXAMPLES="${MAX_EXAMPLES:-50}"
# The partner run's data: `all` (valid and malformed), or `positive` (valid only: CI's, ADR 0076).
# Malformed data meets the same validator whatever the token (authentication first, then the
# route's schema): the admin's run sends it to every operation, the partner's included.
PARTNER_MODE="${PARTNER_MODE:-all}"
READY_TIMEOUT_SECONDS="${READY_TIMEOUT_SECONDS:-120}"
export PATH="$ROOT/node_modules/.bin:$PATH" # Node 24 from the npm registry's node package

log() { printf '[fuzz] %s\n' "$*" >&2; }
fail() { log "$*"; exit 1; }

if [[ ! -x "$VENV/bin/st" || "$("$VENV/bin/st" --version 2>/dev/null)" != "st, version $SCHEMATHESIS_VERSION" ]]; then
  log "installing schemathesis $SCHEMATHESIS_VERSION into $VENV"
  rm -rf "$VENV" # a venv copied or moved from elsewhere has scripts naming the old path's python
  python3 -m venv "$VENV" || fail "python3 -m venv failed"
  "$VENV/bin/pip" install --quiet --disable-pip-version-check "schemathesis==$SCHEMATHESIS_VERSION" || fail "pip install failed"
fi

free_port() { node -e "const s=require('node:net').createServer();s.listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})"; }

WORK="$(mktemp -d "${TMPDIR:-/tmp}/tss-fuzz-XXXXXX")"
chmod 755 "$WORK" # embedded PostgreSQL runs as another user when we are root
PORT="$(free_port)"
PG_PORT="$(free_port)"
BASE="http://127.0.0.1:$PORT"
ADMIN_ID="fuzz-admin"
ADMIN_SECRET="$(node -e "console.log(require('node:crypto').randomBytes(24).toString('hex'))")"
PLATFORM_PID=""

stop_platform() {
  if [[ -n "$PLATFORM_PID" ]] && kill -0 "$PLATFORM_PID" 2>/dev/null; then
    log "stopping the platform (pid $PLATFORM_PID)"
    kill -TERM "$PLATFORM_PID" 2>/dev/null
    wait "$PLATFORM_PID" 2>/dev/null
  fi
  mkdir -p "$REPORTS" && cp "$WORK/platform.log" "$REPORTS/platform.log" 2>/dev/null
  rm -rf "$WORK"
}
trap stop_platform EXIT
trap 'exit 130' INT TERM

log "starting the platform at $BASE (data in $WORK)"
# The rate limit is lifted: the fuzzer sends far more than 600 requests a minute with one token,
# and a run of 429s would test nothing else.
(
  cd "$ROOT" &&
    HOST=127.0.0.1 PORT="$PORT" METRICS_PORT=0 TSS_PG_PORT="$PG_PORT" TSS_DATA_DIR="$WORK/data" \
      TSS_BOOTSTRAP_CLIENT_ID="$ADMIN_ID" TSS_BOOTSTRAP_CLIENT_SECRET="$ADMIN_SECRET" \
      TSS_RATE_LIMIT_MAX=1000000 LOG_LEVEL=warn OUTBOX_POLL_INTERVAL_MS=100 \
      exec node --import tsx services/single-process/src/main.ts
) >"$WORK/platform.log" 2>&1 &
PLATFORM_PID=$!

deadline=$((SECONDS + READY_TIMEOUT_SECONDS))
until curl -fsS -o /dev/null "$BASE/readyz" 2>/dev/null; do
  if ! kill -0 "$PLATFORM_PID" 2>/dev/null; then tail -n 40 "$WORK/platform.log" >&2; fail "the platform exited during start"; fi
  if ((SECONDS > deadline)); then tail -n 40 "$WORK/platform.log" >&2; fail "the platform was not ready within ${READY_TIMEOUT_SECONDS}s"; fi
  sleep 0.5
done

grant() { # client id, secret: the token endpoint's answer
  curl -fsS "$BASE/v1/auth/token" -d grant_type=client_credentials --data-urlencode "client_id=$1" --data-urlencode "client_secret=$2"
}
token() { # client id, secret
  grant "$1" "$2" | jq -er .access_token
}
ADMIN_TOKEN="$(token "$ADMIN_ID" "$ADMIN_SECRET")" || fail "no admin token"
PARTNER_ID="$(curl -fsS "$BASE/v1/partners" -H "authorization: Bearer $ADMIN_TOKEN" -H 'content-type: application/json' -d '{"name":"Fuzz Partner"}' | jq -er .id)" || fail "no partner"
PARTNER_CLIENT="$(curl -fsS -X POST "$BASE/v1/partners/$PARTNER_ID/clients" -H "authorization: Bearer $ADMIN_TOKEN")" || fail "no partner client"
PARTNER_GRANT="$(grant "$(jq -r .clientId <<<"$PARTNER_CLIENT")" "$(jq -r .clientSecret <<<"$PARTNER_CLIENT")")" || fail "no partner token"
PARTNER_TOKEN="$(jq -er .access_token <<<"$PARTNER_GRANT")" || fail "no partner token"
# The partner's run covers the operations a partner may call: the public ones, and those whose
# security names no grant or one of the partner token's scopes. The others (staff and admin work,
# half the document) answered it nothing but 401 and 403, which the tenancy suites check route by
# route; the admin's run covers them. Measured alone on 2 cores: 223 s of CPU for both runs over
# the whole document (13,651 requests), 195 s with the partner's 45 operations (9,961 requests).
PARTNER_OPERATIONS="$(curl -fsS "$BASE/openapi.json" | jq -er --argjson scopes "$(jq -c '.scope | split(" ")' <<<"$PARTNER_GRANT")" '
  [.paths[] | to_entries[] | select(.key | IN("get", "put", "post", "delete", "patch")) | .value
    | select(.security == [] or any(.security[]; (.bearerAuth | length) == 0 or any(.bearerAuth[]; IN($scopes[]))))
    | .operationId] | join("|")')" && [[ -n "$PARTNER_OPERATIONS" ]] || fail "no operations for the partner in the OpenAPI document"
log "the partner's operations: ${PARTNER_OPERATIONS//|/, }"
log "the partner's run sends $PARTNER_MODE data (PARTNER_MODE); the admin's sends all"

run_schemathesis() { # label, token, more options
  log "schemathesis as $1 (max $MAX_EXAMPLES examples per operation)"
  mkdir -p "$REPORTS"
  # From the reports folder: schemathesis and hypothesis keep their caches in the working directory.
  # One worker: with two threads, Python 3.11's ast module (used by hypothesis to describe lambdas)
  # failed a CI run with "AST constructor recursion depth mismatch" (the counter is per interpreter, not per thread).
  (cd "$REPORTS" && SCHEMATHESIS_HOOKS="$ROOT/tools/fuzz/hooks.py" "$VENV/bin/st" run "$BASE/openapi.json" \
    --checks not_a_server_error_but_a_documented_wait,status_code_conformance \
    --header "Authorization: Bearer $2" \
    --max-examples "$MAX_EXAMPLES" \
    --workers 1 \
    --request-timeout 10 \
    --suppress-health-check all \
    --report junit --report-dir "$REPORTS/$1" "${@:3}")
}

started=$SECONDS
status=0
# The two runs at once, each into a file of its own and printed whole afterwards.
run_schemathesis partner "$PARTNER_TOKEN" --mode "$PARTNER_MODE" --include-operation-id-regex "^($PARTNER_OPERATIONS)\$" >"$WORK/st-partner.out" 2>&1 &
partner_run=$!
run_schemathesis admin "$ADMIN_TOKEN" >"$WORK/st-admin.out" 2>&1 &
admin_run=$!
wait "$partner_run" || status=1
wait "$admin_run" || status=1
cat "$WORK/st-partner.out" "$WORK/st-admin.out"
log "schemathesis took $((SECONDS - started))s; exit status $status"
if grep -qiE '"level":(50|60)' "$WORK/platform.log"; then
  log "the platform logged errors:"
  grep -iE '"level":(50|60)' "$WORK/platform.log" | head -n 20 >&2
fi
exit "$status"
