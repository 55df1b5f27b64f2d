#!/usr/bin/env bash
# A real single-node Apache Kafka broker (KRaft, broker+controller in one JVM) on 127.0.0.1,
# for tests. The broker jars come from Maven Central through Maven (deploy/kafka/pom.xml);
# no tarball, no Docker. See docs/adr/0002-kafka-test-broker.md.
#
# Usage:
#   deploy/kafka/kafka-broker.sh fetch            # resolve the jars into .cache/kafka/<version>/libs
#   deploy/kafka/kafka-broker.sh start            # fresh data dir, format, start, wait; prints KAFKA_BROKERS=...
#   deploy/kafka/kafka-broker.sh stop             # SIGTERM (SIGKILL after a timeout), remove the run dir
#   deploy/kafka/kafka-broker.sh status           # exit 0 if the broker of this port runs
#   deploy/kafka/kafka-broker.sh run CMD [ARGS]   # start, run CMD with KAFKA_BROKERS exported, stop; exits with CMD's code
#
# Only the line KAFKA_BROKERS=host:port goes to stdout (so `eval "$(... start)"` works);
# everything else goes to stderr.
#
# Environment:
#   KAFKA_VERSION          broker version on Maven Central (default below; 3.x and 4.x supported)
#   KAFKA_PORT             client port (default 9092); the controller listens on KAFKA_PORT+1
#   KAFKA_START_TIMEOUT    seconds to wait for the client port (default 90)
#   KAFKA_STOP_TIMEOUT     seconds to wait after SIGTERM before SIGKILL (default 30)
#   KAFKA_HEAP_OPTS        default: -Xms256m -Xmx512m
#   KAFKA_JVM_OPTS         default: G1 options of Kafka's bin/kafka-run-class.sh (see below)
#   KAFKA_EXTRA_PROPS      extra server.properties lines (newline separated), appended last
#   KAFKA_SASL_PORT        when set, also a SASL_PLAINTEXT listener on this port (mechanism PLAIN, user
#                          tss, password KAFKA_SASL_TEST_PASSWORD, default tss-test-password): `run`
#                          exports KAFKA_TEST_SASL_BROKERS and KAFKA_TEST_SASL_PASSWORD for the SASL
#                          suite (*.kafka-sasl.spec.ts); names no service reads, so nothing else uses it
#   KAFKA_SASL_SSL_PORT    when set, also a SASL_SSL listener on this port (TLS, mechanism SCRAM-SHA-512,
#                          the same user and password): 'start' makes a throwaway CA and a certificate
#                          for 127.0.0.1/localhost with openssl in <run dir>/tls, and the SCRAM
#                          credential at format time; `run` exports KAFKA_TEST_SASL_SSL_BROKERS,
#                          KAFKA_TEST_SASL_SSL_CA_FILE (the CA as PEM) and KAFKA_TEST_SASL_PASSWORD
#   KAFKA_CACHE_DIR        default: <repo>/.cache/kafka
#   KAFKA_KEEP_DATA=1      'stop' keeps the data and 'start' reuses it: a broker restart (fault tests,
#                          npm run start:services)
#   KAFKA_RUN_DIR          the broker's configuration, data and logs (default: <KAFKA_CACHE_DIR>/run/<port>;
#                          npm run start:services: <TSS_DATA_DIR>/kafka)
#   JAVA_HOME              java to use (default: java on PATH); Java 17+ for Kafka 4.x
set -euo pipefail
shopt -s inherit_errexit

# Keep in sync with <kafka.version> in pom.xml.
DEFAULT_KAFKA_VERSION=4.4.0

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "$SCRIPT_DIR/../.." && pwd)"
POM="$SCRIPT_DIR/pom.xml"

KAFKA_VERSION="${KAFKA_VERSION:-$DEFAULT_KAFKA_VERSION}"
KAFKA_PORT="${KAFKA_PORT:-9092}"
CONTROLLER_PORT=$((KAFKA_PORT + 1))
KAFKA_HOST=127.0.0.1
KAFKA_START_TIMEOUT="${KAFKA_START_TIMEOUT:-90}"
KAFKA_STOP_TIMEOUT="${KAFKA_STOP_TIMEOUT:-30}"
KAFKA_HEAP_OPTS="${KAFKA_HEAP_OPTS:--Xms256m -Xmx512m}"
KAFKA_JVM_OPTS="${KAFKA_JVM_OPTS:--server -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -XX:InitiatingHeapOccupancyPercent=35 -XX:+ExplicitGCInvokesConcurrent -XX:MaxInlineLevel=15 -Djava.awt.headless=true}"
KAFKA_CACHE_DIR="${KAFKA_CACHE_DIR:-$REPO_ROOT/.cache/kafka}"
KAFKA_SASL_TEST_PASSWORD="${KAFKA_SASL_TEST_PASSWORD:-tss-test-password}"
# The user of both SASL listeners (a test user: the password is not a secret).
SASL_TEST_USER=tss

LIBS_DIR="$KAFKA_CACHE_DIR/$KAFKA_VERSION/libs"
RUN_DIR="${KAFKA_RUN_DIR:-$KAFKA_CACHE_DIR/run/$KAFKA_PORT}"
PID_FILE="$RUN_DIR/kafka.pid"
TLS_DIR="$RUN_DIR/tls"
JAVA="${JAVA_HOME:+$JAVA_HOME/bin/}java"

now_ms() { date +%s%3N; }
# Never fails (a closed terminal must not abort a cleanup under set -e).
log() { printf '[kafka-broker] %s\n' "$*" >&2 || true; }
die() { log "ERROR: $*"; exit 1; }

kafka_major() {
  local major="${KAFKA_VERSION%%.*}"
  [[ "$major" =~ ^[0-9]+$ ]] || die "cannot parse KAFKA_VERSION=$KAFKA_VERSION"
  echo "$major"
}

maven_profile() {
  local major
  major="$(kafka_major)"
  if ((major == 3)); then echo kafka3
  elif ((major >= 4)); then echo kafka4
  else die "unsupported KAFKA_VERSION=$KAFKA_VERSION (3.x with KRaft or 4.x only)"
  fi
}

# --- fetch -------------------------------------------------------------------------------

# Maven's ~ is Java's user.home: the passwd entry's home on Linux, not necessarily $HOME.
maven_user_home() {
  local h=""
  if command -v getent >/dev/null; then h="$(getent passwd "$(id -u)" | cut -d: -f6 || true)"; fi
  echo "${h:-${HOME:-/nonexistent}}"
}

m2_writable() {   # $1 = the .m2 folder
  if [[ -e "$1" ]]; then [[ -d "$1" && -w "$1" ]]; else [[ -d "$(dirname "$1")" && -w "$(dirname "$1")" ]]; fi
}

pom_hash() { sha256sum "$POM" | cut -d' ' -f1; }

cmd_fetch() {
  # .complete holds the pom's hash: editing pom.xml (e.g. a logging version) re-resolves.
  if [[ -f "$LIBS_DIR/.complete" && "$(cat "$LIBS_DIR/.complete")" == "$(pom_hash)" ]]; then
    log "jars for Kafka $KAFKA_VERSION already in $LIBS_DIR"
    return 0
  fi
  command -v mvn >/dev/null || die "mvn not found on PATH"
  local profile tmp
  profile="$(maven_profile)"
  mkdir -p "$(dirname "$LIBS_DIR")"
  tmp="$(mktemp -d "$(dirname "$LIBS_DIR")/libs.tmp.XXXXXX")"
  local mvn_args=(-B -q -f "$POM" "-P$profile" "-Dkafka.version=$KAFKA_VERSION" "-Dkafka.libs.dir=$tmp")
  # Default local repo is ~/.m2; fall back to <repo>/.cache/m2 only when that is not writable.
  if ! m2_writable "$(maven_user_home)/.m2"; then
    mvn_args+=("-Dmaven.repo.local=$REPO_ROOT/.cache/m2")
    log "$(maven_user_home)/.m2 not writable: using $REPO_ROOT/.cache/m2 as Maven local repo"
  fi
  log "resolving Kafka $KAFKA_VERSION jars with Maven (profile $profile)"
  # (Debian's Maven 3.8 prints bare ESC[0m resets even with -B: strip them.)
  if ! mvn "${mvn_args[@]}" dependency:copy-dependencies 2>&1 | sed 's/\x1b\[[0-9;]*m//g' >&2; then
    rm -rf "$tmp"
    rmdir "$(dirname "$LIBS_DIR")" 2>/dev/null || true
    die "mvn dependency:copy-dependencies failed for Kafka $KAFKA_VERSION"
  fi
  ls "$tmp"/kafka_2.13-"$KAFKA_VERSION".jar >/dev/null 2>&1 || { rm -rf "$tmp"; die "no kafka_2.13-$KAFKA_VERSION.jar resolved"; }
  pom_hash >"$tmp/.complete"
  rm -rf "$LIBS_DIR"
  if ! mv "$tmp" "$LIBS_DIR" 2>/dev/null; then
    rm -rf "$tmp"                      # lost a race with a concurrent fetch
    [[ -f "$LIBS_DIR/.complete" ]] || die "could not move jars into $LIBS_DIR"
  fi
  log "jars in $LIBS_DIR ($(du -sh "$LIBS_DIR" | cut -f1))"
}

# --- helpers -----------------------------------------------------------------------------

port_open() { (exec 3<>"/dev/tcp/$KAFKA_HOST/$1") 2>/dev/null; }

# True if $1 is a live process whose command line is our broker (guards against pid reuse).
is_our_broker() {
  local pid="$1"
  [[ "$pid" =~ ^[0-9]+$ ]] && kill -0 "$pid" 2>/dev/null || return 1
  [[ -r "/proc/$pid/cmdline" ]] || return 0   # no /proc: trust kill -0
  tr '\0' ' ' <"/proc/$pid/cmdline" | grep -qF "kafka.Kafka $RUN_DIR/server.properties"
}

random_cluster_id() {
  # A Kafka Uuid is 16 bytes in URL-safe base64 without padding (22 chars); same as
  # `kafka.tools.StorageTool random-uuid`, without starting a JVM.
  local id
  while :; do
    id="$(head -c 16 /dev/urandom | base64 | tr '+/' '-_' | tr -d '=\n')"
    [[ "$id" == -* ]] || { echo "$id"; return; }   # avoid an id that looks like a CLI flag
  done
}

# A throwaway CA and, signed by it, the broker's certificate for 127.0.0.1 and localhost (the SAN
# the client checks the host against), in a PKCS12 keystore; the CA alone as PEM for clients
# (KAFKA_SSL_CA_FILE). openssl rather than keytool: each keytool call starts a JVM.
make_tls_material() {
  command -v openssl >/dev/null || die "openssl not found: KAFKA_SASL_SSL_PORT needs it for the test certificates"
  mkdir -p "$TLS_DIR"
  local serial
  serial="0x$(head -c 16 /dev/urandom | od -An -tx1 | tr -d ' \n')"
  # One && chain: set -e does not apply inside a tested subshell.
  if ! (
    cd "$TLS_DIR" && umask 077 &&
      head -c 18 /dev/urandom | base64 | tr '+/' '-_' >keystore.password &&
      openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.pem -days 7 -subj "/CN=TSS test broker CA" \
        -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" &&
      openssl req -newkey rsa:2048 -nodes -keyout broker.key -out broker.csr -subj "/CN=localhost" &&
      printf '%s\n' "basicConstraints=CA:FALSE" "keyUsage=critical,digitalSignature,keyEncipherment" \
        "extendedKeyUsage=serverAuth" "subjectAltName=IP:$KAFKA_HOST,DNS:localhost" >broker.ext &&
      openssl x509 -req -in broker.csr -CA ca.pem -CAkey ca.key -set_serial "$serial" -days 7 -extfile broker.ext -out broker.pem &&
      openssl pkcs12 -export -name broker -inkey broker.key -in broker.pem -certfile ca.pem \
        -passout file:keystore.password -out broker.p12 &&
      rm ca.key broker.key broker.csr broker.ext &&   # the CA's key is not kept: nothing else gets signed
      chmod 644 ca.pem
  ) >"$RUN_DIR/logs/tls.out" 2>&1; then
    cat "$RUN_DIR/logs/tls.out" >&2
    die "making the test certificates with openssl failed"
  fi
}

write_configs() {
  local major="$1" data_dir="$RUN_DIR/data" logs_dir="$RUN_DIR/logs"
  mkdir -p "$data_dir" "$logs_dir"
  local sasl_listeners="${KAFKA_SASL_PORT:+,SASL_PLAINTEXT://$KAFKA_HOST:$KAFKA_SASL_PORT}${KAFKA_SASL_SSL_PORT:+,SASL_SSL://$KAFKA_HOST:$KAFKA_SASL_SSL_PORT}"
  cat >"$RUN_DIR/server.properties" <<EOF
# Generated by deploy/kafka/kafka-broker.sh for tests (Kafka $KAFKA_VERSION). Single node, KRaft.
process.roles=broker,controller
node.id=1
controller.quorum.bootstrap.servers=$KAFKA_HOST:$CONTROLLER_PORT
listeners=PLAINTEXT://$KAFKA_HOST:$KAFKA_PORT,CONTROLLER://$KAFKA_HOST:$CONTROLLER_PORT$sasl_listeners
advertised.listeners=PLAINTEXT://$KAFKA_HOST:$KAFKA_PORT$sasl_listeners
controller.listener.names=CONTROLLER
inter.broker.listener.name=PLAINTEXT
listener.security.protocol.map=CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT${KAFKA_SASL_PORT:+,SASL_PLAINTEXT:SASL_PLAINTEXT}${KAFKA_SASL_SSL_PORT:+,SASL_SSL:SASL_SSL}
log.dirs=$data_dir
num.partitions=1
default.replication.factor=1
min.insync.replicas=1
auto.create.topics.enable=true
offsets.topic.replication.factor=1
offsets.topic.num.partitions=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
transaction.state.log.num.partitions=1
group.initial.rebalance.delay.ms=0
num.network.threads=2
num.io.threads=2
num.recovery.threads.per.data.dir=1
background.threads=2
log.cleaner.threads=1
EOF
  if ((major >= 4)); then
    cat >>"$RUN_DIR/server.properties" <<EOF
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
EOF
  fi
  if [[ -n "${KAFKA_SASL_PORT:-}" ]]; then
    # A test user only (the password is not a secret): clients authenticate, brokers talk PLAINTEXT.
    cat >>"$RUN_DIR/server.properties" <<EOF
listener.name.sasl_plaintext.sasl.enabled.mechanisms=PLAIN
listener.name.sasl_plaintext.plain.sasl.jaas.config=org.apache.kafka.common.security.plain.PlainLoginModule required user_$SASL_TEST_USER="$KAFKA_SASL_TEST_PASSWORD";
EOF
  fi
  if [[ -n "${KAFKA_SASL_SSL_PORT:-}" ]]; then
    # As the production values reach Strimzi's `tls` listener: TLS with a private CA, SCRAM-SHA-512.
    # The credential is in the cluster metadata (written at format time, see cmd_start). Clients
    # show no certificate, so the broker has a keystore and no truststore.
    make_tls_material
    cat >>"$RUN_DIR/server.properties" <<EOF
listener.name.sasl_ssl.sasl.enabled.mechanisms=SCRAM-SHA-512
listener.name.sasl_ssl.scram-sha-512.sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required;
listener.name.sasl_ssl.ssl.keystore.type=PKCS12
listener.name.sasl_ssl.ssl.keystore.location=$TLS_DIR/broker.p12
listener.name.sasl_ssl.ssl.keystore.password=$(cat "$TLS_DIR/keystore.password")
listener.name.sasl_ssl.ssl.client.auth=none
EOF
  fi
  if [[ -n "${KAFKA_EXTRA_PROPS:-}" ]]; then
    printf '%s\n' "$KAFKA_EXTRA_PROPS" >>"$RUN_DIR/server.properties"
  fi

  if ((major >= 4)); then
    cat >"$RUN_DIR/log4j2.properties" <<'EOF'
status = warn
name = kafka-test-broker
appender.file.type = File
appender.file.name = FILE
appender.file.fileName = ${sys:kafka.logs.dir}/server.log
appender.file.layout.type = PatternLayout
appender.file.layout.pattern = [%d] %p %m (%c)%n
rootLogger.level = INFO
rootLogger.appenderRef.file.ref = FILE
logger.request.name = kafka.request.logger
logger.request.level = WARN
EOF
  else
    cat >"$RUN_DIR/log4j.properties" <<'EOF'
log4j.rootLogger=INFO, file
log4j.appender.file=org.apache.log4j.FileAppender
log4j.appender.file.File=${kafka.logs.dir}/server.log
log4j.appender.file.layout=org.apache.log4j.PatternLayout
log4j.appender.file.layout.ConversionPattern=[%d] %p %m (%c)%n
log4j.logger.kafka.request.logger=WARN
EOF
  fi
}

log_opts() {
  local major="$1"
  if ((major >= 4)); then
    echo "-Dlog4j2.configurationFile=$RUN_DIR/log4j2.properties"
  else
    echo "-Dlog4j.configuration=file:$RUN_DIR/log4j.properties"
  fi
}

print_log_tail() {
  local f
  for f in "$RUN_DIR/logs/kafka.out" "$RUN_DIR/logs/server.log"; do
    [[ -s "$f" ]] || continue
    log "---- last 60 lines of $f ----"
    tail -n 60 "$f" >&2 || true
  done
}

kill_pid() {
  local pid="$1" waited=0
  kill -TERM "$pid" 2>/dev/null || return 0
  while kill -0 "$pid" 2>/dev/null; do
    if ((waited >= KAFKA_STOP_TIMEOUT * 10)); then
      log "pid $pid still alive after ${KAFKA_STOP_TIMEOUT}s: SIGKILL"
      kill -KILL "$pid" 2>/dev/null || true
      sleep 0.5
      break
    fi
    sleep 0.1
    waited=$((waited + 1))
  done
  # Reap if it is our child (run/start in the same shell); ignore otherwise.
  wait "$pid" 2>/dev/null || true
}

# --- start -------------------------------------------------------------------------------

STARTING_PID=""
REUSING=0

on_start_signal() {   # $1 = exit code
  trap '' INT TERM HUP
  log "interrupted during startup: stopping broker pid $STARTING_PID"
  [[ -n "$STARTING_PID" ]] && kill_pid "$STARTING_PID"
  # Kept data stays kept: only a folder this start made is removed.
  if ((REUSING)); then rm -f "$PID_FILE"; else rm -rf "$RUN_DIR"; fi
  exit "$1"
}

cmd_start() {
  local major
  major="$(kafka_major)"
  cmd_fetch

  command -v "$JAVA" >/dev/null || die "java not found (set JAVA_HOME or PATH)"
  if ((major >= 4)); then
    local jv
    jv="$("$JAVA" -XshowSettings:properties -version 2>&1 | sed -n 's/^ *java.specification.version = //p')"
    if ! [[ "${jv%%.*}" =~ ^[0-9]+$ ]] || ((${jv%%.*} < 17)); then
      die "Kafka $KAFKA_VERSION needs Java 17+, found ${jv:-unknown}"
    fi
  fi

  if [[ -f "$PID_FILE" ]] && is_our_broker "$(cat "$PID_FILE")"; then
    die "a broker already runs on port $KAFKA_PORT (pid $(cat "$PID_FILE")); run 'stop' first"
  fi
  # The password goes unescaped into a JAAS line and a SCRAM credential spec.
  if [[ -n "${KAFKA_SASL_PORT:-}${KAFKA_SASL_SSL_PORT:-}" && ! "$KAFKA_SASL_TEST_PASSWORD" =~ ^[A-Za-z0-9._~-]+$ ]]; then
    die "KAFKA_SASL_TEST_PASSWORD: use letters, digits and . _ ~ - only"
  fi
  local p
  for p in "$KAFKA_PORT" "$CONTROLLER_PORT" ${KAFKA_SASL_PORT:+"$KAFKA_SASL_PORT"} ${KAFKA_SASL_SSL_PORT:+"$KAFKA_SASL_SSL_PORT"}; do
    port_open "$p" && die "$KAFKA_HOST:$p is already in use by another process"
  done

  # KAFKA_KEEP_DATA=1: start again on the data a previous 'stop' kept (a broker restart).
  local reuse=0
  [[ "${KAFKA_KEEP_DATA:-0}" == 1 && -f "$RUN_DIR/data/meta.properties" ]] && reuse=1
  # The kept configuration names its ports (and KRaft's log its controller's): the same ones again.
  if ((reuse)) && ! grep -q "^listeners=PLAINTEXT://$KAFKA_HOST:$KAFKA_PORT,CONTROLLER://$KAFKA_HOST:$CONTROLLER_PORT" "$RUN_DIR/server.properties"; then
    die "the kept broker data in $RUN_DIR was made for other ports ($(sed -n 's/^listeners=//p' "$RUN_DIR/server.properties")): start it with that KAFKA_PORT, or remove the folder to start empty"
  fi
  REUSING=$reuse
  if ((reuse == 0)); then
    rm -rf "$RUN_DIR"
    mkdir -p "$RUN_DIR"
    write_configs "$major"
    echo "$KAFKA_VERSION" >"$RUN_DIR/version"
  fi

  local cp="$LIBS_DIR/*" cluster_id logopt
  cluster_id="$(random_cluster_id)"
  logopt="$(log_opts "$major")"
  # shellcheck disable=SC2206
  local heap=($KAFKA_HEAP_OPTS) jvm=($KAFKA_JVM_OPTS)

  local t_format t_start format_args=()
  # KRaft keeps SCRAM credentials in the cluster metadata: the format writes the test user's (KIP-900).
  if [[ -n "${KAFKA_SASL_SSL_PORT:-}" ]]; then
    format_args+=(--add-scram "SCRAM-SHA-512=[name=$SASL_TEST_USER,password=$KAFKA_SASL_TEST_PASSWORD]")
  fi
  if ((reuse == 0)); then
    log "formatting $RUN_DIR/data (cluster id $cluster_id, Kafka $KAFKA_VERSION)"
    t_format=$(now_ms)
    if ! "$JAVA" -Xmx256m -XX:TieredStopAtLevel=1 -Dkafka.logs.dir="$RUN_DIR/logs" "$logopt" -cp "$cp" \
        kafka.tools.StorageTool format --standalone -t "$cluster_id" -c "$RUN_DIR/server.properties" "${format_args[@]}" \
        >"$RUN_DIR/logs/format.out" 2>&1; then
      cat "$RUN_DIR/logs/format.out" >&2
      die "StorageTool format failed"
    fi
    log "formatted in $(($(now_ms) - t_format)) ms"
  else
    log "restarting on the kept data in $RUN_DIR/data"
  fi
  log "starting kafka.Kafka on $KAFKA_HOST:$KAFKA_PORT (controller $CONTROLLER_PORT)"
  local launcher=()
  command -v setsid >/dev/null && launcher=(setsid)   # own session: not hit by the caller's Ctrl-C / SIGHUP
  "${launcher[@]}" "$JAVA" "${heap[@]}" "${jvm[@]}" \
    -Dkafka.logs.dir="$RUN_DIR/logs" "$logopt" \
    -cp "$cp" kafka.Kafka "$RUN_DIR/server.properties" \
    </dev/null >"$RUN_DIR/logs/kafka.out" 2>&1 &
  local pid=$!
  echo "$pid" >"$PID_FILE"
  # Interrupted while waiting: do not leave the (detached) JVM behind.
  STARTING_PID=$pid
  trap 'on_start_signal 130' INT
  trap 'on_start_signal 143' TERM
  trap 'on_start_signal 129' HUP

  local start_s=$SECONDS
  t_start=$(now_ms)
  while :; do
    if ! kill -0 "$pid" 2>/dev/null; then
      print_log_tail
      die "broker process $pid exited during startup"
    fi
    if port_open "$KAFKA_PORT"; then break; fi
    if ((SECONDS - start_s >= KAFKA_START_TIMEOUT)); then
      print_log_tail
      log "broker not listening on $KAFKA_HOST:$KAFKA_PORT after ${KAFKA_START_TIMEOUT}s: stopping it"
      kill_pid "$pid"
      rm -f "$PID_FILE"
      die "startup timed out (logs kept in $RUN_DIR/logs)"
    fi
    sleep 0.2
  done
  trap - INT TERM HUP
  STARTING_PID=""
  log "broker pid $pid listening after $(($(now_ms) - t_start)) ms (logs: $RUN_DIR/logs)"
  echo "KAFKA_BROKERS=$KAFKA_HOST:$KAFKA_PORT"
}

# --- stop / status -----------------------------------------------------------------------

cmd_stop() {
  if [[ ! -f "$PID_FILE" ]]; then
    log "no pid file $PID_FILE: nothing to stop"
    [[ "${KAFKA_KEEP_DATA:-0}" == 1 ]] || rm -rf "$RUN_DIR"
    return 0
  fi
  local pid
  pid="$(cat "$PID_FILE")"
  if is_our_broker "$pid"; then
    log "stopping broker pid $pid"
    kill_pid "$pid"
  else
    log "pid $pid is not running"
  fi
  # KAFKA_KEEP_DATA=1 keeps the data for a later 'start' on the same port (a broker restart).
  if [[ "${KAFKA_KEEP_DATA:-0}" == 1 ]]; then rm -f "$PID_FILE"; else rm -rf "$RUN_DIR"; fi
}

cmd_status() {
  if [[ -f "$PID_FILE" ]] && is_our_broker "$(cat "$PID_FILE")"; then
    log "running: pid $(cat "$PID_FILE"), $KAFKA_HOST:$KAFKA_PORT, Kafka $(cat "$RUN_DIR/version" 2>/dev/null || echo '?')"
    echo "KAFKA_BROKERS=$KAFKA_HOST:$KAFKA_PORT"
  else
    log "not running (port $KAFKA_PORT)"
    return 1
  fi
}

# --- run ---------------------------------------------------------------------------------

RUN_CHILD=""

on_run_signal() {   # $1 = signal name, $2 = exit code
  trap '' INT TERM HUP   # no re-entry while cleaning up
  log "got SIG$1: stopping the command and the broker"
  if [[ -n "$RUN_CHILD" ]]; then
    # A background job of a non-interactive shell ignores SIGINT: always send SIGTERM
    # (then SIGKILL after KAFKA_STOP_TIMEOUT).
    kill_pid "$RUN_CHILD"
  fi
  exit "$2"          # the EXIT trap stops the broker
}

cmd_run() {
  (($# > 0)) || die "usage: $0 run CMD [ARGS...]"
  # Refuse before installing the cleanup trap, so that we never stop a broker we did not start.
  if [[ -f "$PID_FILE" ]] && is_our_broker "$(cat "$PID_FILE")"; then
    die "a broker already runs on port $KAFKA_PORT (pid $(cat "$PID_FILE")); stop it or use another KAFKA_PORT"
  fi
  trap 'set +e; cmd_stop' EXIT
  trap 'on_run_signal INT 130' INT
  trap 'on_run_signal TERM 143' TERM
  trap 'on_run_signal HUP 129' HUP
  local line
  line="$(cmd_start)"            # on failure, set -e exits and the EXIT trap stops/cleans up
  export KAFKA_BROKERS="${line#KAFKA_BROKERS=}"
  if [[ -n "${KAFKA_SASL_PORT:-}" ]]; then
    export KAFKA_TEST_SASL_BROKERS="$KAFKA_HOST:$KAFKA_SASL_PORT" KAFKA_TEST_SASL_PASSWORD="$KAFKA_SASL_TEST_PASSWORD"
  fi
  if [[ -n "${KAFKA_SASL_SSL_PORT:-}" ]]; then
    export KAFKA_TEST_SASL_SSL_BROKERS="$KAFKA_HOST:$KAFKA_SASL_SSL_PORT" KAFKA_TEST_SASL_SSL_CA_FILE="$TLS_DIR/ca.pem" \
      KAFKA_TEST_SASL_PASSWORD="$KAFKA_SASL_TEST_PASSWORD"
  fi
  log "running: $* (KAFKA_BROKERS=$KAFKA_BROKERS${KAFKA_SASL_PORT:+, SASL/PLAIN on $KAFKA_HOST:$KAFKA_SASL_PORT}${KAFKA_SASL_SSL_PORT:+, TLS + SCRAM-SHA-512 on $KAFKA_HOST:$KAFKA_SASL_SSL_PORT})"
  # In the background + wait, so that a SIGTERM to this script is handled at once (bash
  # defers traps until a foreground child ends); <&0 keeps the caller's stdin. The SASL ports are
  # this broker's: a suite that starts a broker of its own must not inherit them (it would ask for
  # the same ports), so the command gets KAFKA_TEST_SASL_BROKERS and KAFKA_TEST_SASL_SSL_BROKERS
  # instead.
  env -u KAFKA_SASL_PORT -u KAFKA_SASL_SSL_PORT "$@" <&0 &
  RUN_CHILD=$!
  local rc=0
  wait "$RUN_CHILD" || rc=$?
  RUN_CHILD=""
  log "command exited with $rc"
  exit "$rc"
}

usage() {
  sed -n '2,/^set /p' "$0" | grep '^#' | sed 's/^# \{0,1\}//' >&2
  exit 2
}

main() {
  local sub="${1:-}"
  (($# > 0)) && shift
  case "$sub" in
    fetch) cmd_fetch ;;
    start) cmd_start ;;
    stop) cmd_stop ;;
    status) cmd_status ;;
    run) cmd_run "$@" ;;
    *) usage ;;
  esac
}

main "$@"
