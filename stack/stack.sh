#!/usr/bin/env bash
# Starts and stops Rapport's local stack without containers: PostgreSQL, Kafka, Keycloak and the five services.
#
#   stack/stack.sh up [--owner run|test] [postgres] [kafka] [keycloak] [mail] [services] [chromium]   (no part named:
#                                             all but chromium, which only the browser tests need; it is installed, not run)
#   stack/stack.sh down [--owner run|test]     stop what we started (only that owner's parts when given)
#   stack/stack.sh status
#   stack/stack.sh clean                      stop what we started, then delete every local data directory
#   stack/stack.sh kill-kafka | start-kafka   (used by the end-to-end test of readiness)
#   stack/stack.sh kill-postgres | start-postgres   (kill -9 of the server and its backends, then crash recovery:
#                                             used by the end-to-end fault tests; only a PostgreSQL this script started)
#
# A part that already answers on its port is reused and never stopped by us. Everything we start is recorded in
# .run/pids, logs go to .run/logs. Versions come from the root pom.xml (through stack/pom.xml).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
RUN="${RAPPORT_RUN_DIR:-$ROOT/.run}"
DIST="$RUN/dist"
LOGS="$RUN/logs"
PIDS="$RUN/pids"
mkdir -p "$DIST" "$LOGS" "$PIDS"

PG_PORT=5432
KAFKA_PORT=9092
KAFKA_CONTROLLER_PORT=9093
KEYCLOAK_PORT=8180
KEYCLOAK_MGMT_PORT=9180
# The local mail server: campaign-service sends to its SMTP port; its inboxes are read over HTTP.
MAIL_SMTP_PORT=2525
MAIL_API_PORT=8025
# Services listen on BASE (gateway) .. BASE+4; the end-to-end suite runs its own copy on another base.
SERVICE_PORT_BASE="${RAPPORT_PORT_BASE:-8080}"
SERVICES=(gateway profile-service segment-service campaign-service chatbot-service)

DB_NAME="${RAPPORT_DB_NAME:-rapport}"
DB_USER="${RAPPORT_DB_USER:-rapport}"
DB_PASSWORD="${RAPPORT_DB_PASSWORD:-rapport}"
# PostgreSQL's page cache (its default is 128MB). Real-time segment evaluation reads each changed profile's events:
# on the benchmark's 1,000,000 profiles, 2GB took p50 from 96 s to 56 s and left no probe unanswered (BENCHMARKS.md).
PG_SHARED_BUFFERS="${RAPPORT_PG_SHARED_BUFFERS:-2GB}"

say() { printf '[stack] %s\n' "$*" >&2; }
die() { say "ERROR: $*"; exit 1; }

listening() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

wait_for() { # wait_for <what> <seconds> <command...>
  local what=$1 limit=$2; shift 2
  local i
  for ((i = 0; i < limit * 2; i++)); do
    if "$@" >/dev/null 2>&1; then return 0; fi
    sleep 0.5
  done
  die "$what did not come up within ${limit}s (see $LOGS)"
}

pom_property() { sed -n "s:.*<$1>\(.*\)</$1>.*:\1:p" "$ROOT/pom.xml" | head -n1; }

# A JDK 21+ for Maven, Keycloak and the services: JAVA_HOME, then java on PATH, then /usr/lib/jvm.
java_home() {
  local candidate version
  for candidate in "${JAVA_HOME:-}" "$(dirname "$(dirname "$(readlink -f "$(command -v java 2>/dev/null || echo /nonexistent)")")")" /usr/lib/jvm/*; do
    [ -x "$candidate/bin/java" ] || continue
    version=$("$candidate/bin/java" -XshowSettings:properties -version 2>&1 | sed -n 's/.*java.specification.version = //p')
    if [ "${version%%.*}" -ge 21 ] 2>/dev/null; then echo "$candidate"; return 0; fi
  done
  die "Rapport needs a JDK 21 or newer (set JAVA_HOME)"
}
JDK="$(java_home)"
export JAVA_HOME="$JDK"

mvnw() { "$ROOT/mvnw" -B -q -f "$ROOT/stack/pom.xml" -N "$@"; }

record() { # record <name> <pid> <owner>
  echo "$2" >"$PIDS/$1.pid"
  echo "$3" >"$PIDS/$1.owner"
}

alive() { [ -f "$PIDS/$1.pid" ] && kill -0 "$(cat "$PIDS/$1.pid")" 2>/dev/null; }

stop_part() { # stop_part <name>: SIGTERM, then SIGKILL after 30 s
  local name=$1 pid i
  [ -f "$PIDS/$name.pid" ] || return 0
  pid=$(cat "$PIDS/$name.pid")
  if kill -0 "$pid" 2>/dev/null; then
    say "stopping $name (pid $pid)"
    kill -TERM "$pid" 2>/dev/null || true
    for ((i = 0; i < 60; i++)); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
    kill -0 "$pid" 2>/dev/null && kill -KILL "$pid" 2>/dev/null || true
  fi
  rm -f "$PIDS/$name.pid" "$PIDS/$name.owner"
}

# ---------------------------------------------------------------- PostgreSQL
# PostgreSQL refuses to run as root, so as root it runs as nobody; nobody must then reach its files. When this
# checkout is not reachable for nobody (under /root, say), its binaries and data live under /var/tmp instead.
PG_BASE="$RUN/pg"
if [ "$(id -u)" = 0 ] && ! runuser -u nobody -- test -x "$RUN" 2>/dev/null; then
  PG_BASE="/var/tmp/rapport-pg-$(printf '%s' "$ROOT" | md5sum | cut -c1-12)"
fi
PG_HOME="$PG_BASE/pgsql"
PG_DATA="$PG_BASE/data"

as_pg_user() { # PostgreSQL refuses to run as root: run it as nobody then.
  if [ "$(id -u)" = 0 ]; then runuser -u nobody -- "$@"; else "$@"; fi
}

up_postgres() {
  local owner=$1
  if listening $PG_PORT; then say "PostgreSQL: reusing the one on port $PG_PORT"; return 0; fi
  local version; version=$(pom_property postgres.binaries.version)
  if [ ! -x "$PG_HOME/bin/postgres" ]; then
    say "PostgreSQL: fetching embedded binaries $version from Maven Central"
    local arch; case "$(uname -m)" in x86_64) arch=amd64 ;; aarch64) arch=arm64v8 ;; *) die "no embedded PostgreSQL for $(uname -m)" ;; esac
    mvnw dependency:copy -Dartifact="io.zonky.test.postgres:embedded-postgres-binaries-linux-$arch:$version" -DoutputDirectory="$DIST"
    mkdir -p "$PG_HOME"
    unzip -p "$DIST/embedded-postgres-binaries-linux-$arch-$version.jar" '*.txz' | tar -xJ -C "$PG_HOME"
    chmod -R a+rX "$PG_HOME"
  fi
  if [ ! -f "$PG_DATA/PG_VERSION" ]; then
    say "PostgreSQL: creating a cluster in $PG_DATA"
    mkdir -p "$PG_DATA"
    printf '%s\n' "$DB_PASSWORD" >"$PG_BASE/pwfile"
    [ "$(id -u)" = 0 ] && chown -R nobody "$PG_BASE"
    as_pg_user "$PG_HOME/bin/initdb" -D "$PG_DATA" -U "$DB_USER" --pwfile="$PG_BASE/pwfile" \
      --auth=scram-sha-256 -E UTF8 --locale=C >"$LOGS/postgres-init.log" 2>&1 || die "initdb failed (see $LOGS/postgres-init.log)"
    rm -f "$PG_BASE/pwfile"
    # The embedded binaries have no psql: create the databases in single-user mode, before the first start.
    local db
    for db in "$DB_NAME" "${DB_NAME}_test"; do
      echo "CREATE DATABASE \"$db\"" | as_pg_user "$PG_HOME/bin/postgres" --single -D "$PG_DATA" postgres >>"$LOGS/postgres-init.log" 2>&1 \
        || die "creating database $db failed (see $LOGS/postgres-init.log)"
    done
  fi
  say "PostgreSQL: starting on port $PG_PORT"
  touch "$PG_BASE/postgres.log"
  [ "$(id -u)" = 0 ] && chown nobody "$PG_BASE" "$PG_BASE/postgres.log"
  [ "$PG_BASE" = "$RUN/pg" ] || ln -sfn "$PG_BASE/postgres.log" "$LOGS/postgres.log"
  as_pg_user "$PG_HOME/bin/pg_ctl" -D "$PG_DATA" -l "$PG_BASE/postgres.log" -w -t 60 start \
    -o "-p $PG_PORT -c listen_addresses=127.0.0.1 -c unix_socket_directories=$PG_BASE -c max_connections=300 -c shared_buffers=$PG_SHARED_BUFFERS" >/dev/null \
    || die "PostgreSQL did not start (see $PG_BASE/postgres.log)"
  record postgres "$(head -n1 "$PG_DATA/postmaster.pid")" "$owner"
}

# With a PostgreSQL of the user's, the databases may be missing: create them when psql can.
ensure_databases() {
  local psql db
  psql=$(command -v psql) || return 0
  for db in "$DB_NAME" "${DB_NAME}_test"; do
    PGPASSWORD="$DB_PASSWORD" "$psql" -h 127.0.0.1 -p $PG_PORT -U "$DB_USER" -d postgres -tAc \
      "SELECT 1 FROM pg_database WHERE datname = '$db'" 2>/dev/null | grep -q 1 ||
      PGPASSWORD="$DB_PASSWORD" "$psql" -h 127.0.0.1 -p $PG_PORT -U "$DB_USER" -d postgres -qc "CREATE DATABASE \"$db\"" 2>/dev/null ||
      say "PostgreSQL: could not check database $db as user $DB_USER; create it (see README, Prerequisites)"
  done
}

# ---------------------------------------------------------------- Kafka
KAFKA_LIBS="$DIST/kafka"
KAFKA_DATA="$RUN/kafka/data"

kafka_jars() {
  local version; version=$(pom_property kafka.version)
  if [ ! -f "$KAFKA_LIBS/kafka_2.13-$version.jar" ]; then
    say "Kafka: fetching $version jars from Maven Central"
    rm -rf "$KAFKA_LIBS"
    mvnw dependency:copy-dependencies -DoutputDirectory="$KAFKA_LIBS" -DincludeScope=runtime
  fi
}

start_kafka() {
  local owner=$1
  mkdir -p "$RUN/kafka"
  cat >"$RUN/kafka/server.properties" <<EOF
process.roles=broker,controller
node.id=1
controller.quorum.bootstrap.servers=127.0.0.1:$KAFKA_CONTROLLER_PORT
listeners=PLAINTEXT://127.0.0.1:$KAFKA_PORT,CONTROLLER://127.0.0.1:$KAFKA_CONTROLLER_PORT
advertised.listeners=PLAINTEXT://127.0.0.1:$KAFKA_PORT
controller.listener.names=CONTROLLER
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
log.dirs=$KAFKA_DATA
num.partitions=3
offsets.topic.replication.factor=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
group.initial.rebalance.delay.ms=0
auto.create.topics.enable=true
EOF
  cat >"$RUN/kafka/log4j2.yaml" <<EOF
Configuration:
  Appenders:
    Console: { name: STDOUT, PatternLayout: { pattern: "[%d] %p %m (%c)%n" } }
  Loggers:
    Root: { level: INFO, AppenderRef: [ { ref: STDOUT } ] }
EOF
  local java_opts=(-Xms256m -Xmx768m -Dlog4j2.configurationFile="$RUN/kafka/log4j2.yaml" -cp "$KAFKA_LIBS/*")
  if [ ! -f "$KAFKA_DATA/meta.properties" ]; then
    "$JDK/bin/java" "${java_opts[@]}" kafka.tools.StorageTool format --standalone -t "$("$JDK/bin/java" "${java_opts[@]}" kafka.tools.StorageTool random-uuid)" \
      -c "$RUN/kafka/server.properties" >"$LOGS/kafka-format.log" 2>&1 || die "formatting Kafka storage failed (see $LOGS/kafka-format.log)"
  fi
  say "Kafka: starting on port $KAFKA_PORT"
  nohup "$JDK/bin/java" "${java_opts[@]}" kafka.Kafka "$RUN/kafka/server.properties" >>"$LOGS/kafka.log" 2>&1 &
  record kafka $! "$owner"
  wait_for "Kafka" 90 listening $KAFKA_PORT
}

up_kafka() {
  local owner=$1
  if listening $KAFKA_PORT; then say "Kafka: reusing the broker on port $KAFKA_PORT"; return 0; fi
  kafka_jars
  start_kafka "$owner"
}

# ---------------------------------------------------------------- Keycloak
up_keycloak() {
  local owner=$1
  if listening $KEYCLOAK_PORT; then say "Keycloak: reusing the server on port $KEYCLOAK_PORT"; return 0; fi
  local version; version=$(pom_property keycloak.version)
  local home="$DIST/keycloak-$version"
  if [ ! -x "$home/bin/kc.sh" ]; then
    say "Keycloak: fetching distribution $version from Maven Central"
    mvnw dependency:copy -Dartifact="org.keycloak:keycloak-quarkus-dist:$version:zip" -DoutputDirectory="$DIST"
    (cd "$DIST" && unzip -q -o "keycloak-quarkus-dist-$version.zip")
  fi
  mkdir -p "$home/data/import"
  # The development server holds nothing but what the realm file says: when the file changed, start from it again
  # (an existing realm is never re-imported).
  if ! cmp -s "$ROOT/k8s/rapport/files/rapport-realm.json" "$home/data/import/rapport-realm.json"; then
    rm -rf "$home/data/h2"
  fi
  cp "$ROOT/k8s/rapport/files/rapport-realm.json" "$home/data/import/"
  say "Keycloak: starting on port $KEYCLOAK_PORT (the first start builds and takes about a minute)"
  KC_BOOTSTRAP_ADMIN_USERNAME="${KEYCLOAK_ADMIN_USER:-admin}" KC_BOOTSTRAP_ADMIN_PASSWORD="${KEYCLOAK_ADMIN_PASSWORD:-admin}" \
    nohup "$home/bin/kc.sh" start-dev --http-host=127.0.0.1 --http-port=$KEYCLOAK_PORT \
    --hostname=http://localhost:$KEYCLOAK_PORT --http-management-port=$KEYCLOAK_MGMT_PORT --health-enabled=true --import-realm >>"$LOGS/keycloak.log" 2>&1 &
  record keycloak $! "$owner"
  wait_for "Keycloak" 240 curl -fsS "http://127.0.0.1:$KEYCLOAK_PORT/realms/rapport/.well-known/openid-configuration"
}

# ---------------------------------------------------------------- mail
# GreenMail standalone: accepts every message on SMTP 2525 for any address, no authentication, and shows each inbox
# as JSON: http://localhost:8025/api/user/<address>/messages/ (a local demo inbox, never a real mail relay). It keeps
# every message in memory (768 MB hold some 200,000 of the benchmark's); POST /api/mail/purge empties it.
up_mail() {
  local owner=$1
  if listening $MAIL_SMTP_PORT; then say "mail: reusing the SMTP server on port $MAIL_SMTP_PORT"; return 0; fi
  local version; version=$(pom_property greenmail.version)
  local jar="$DIST/greenmail-standalone-$version.jar"
  if [ ! -f "$jar" ]; then
    say "mail: fetching GreenMail $version from Maven Central"
    mvnw dependency:copy -Dartifact="com.icegreen:greenmail-standalone:$version" -DoutputDirectory="$DIST"
  fi
  say "mail: starting on port $MAIL_SMTP_PORT (SMTP), inboxes on http://localhost:$MAIL_API_PORT/api/user"
  nohup "$JDK/bin/java" -Xmx768m -Dgreenmail.smtp.hostname=127.0.0.1 -Dgreenmail.smtp.port=$MAIL_SMTP_PORT -Dgreenmail.auth.disabled \
    -Dgreenmail.api.hostname=127.0.0.1 -Dgreenmail.api.port=$MAIL_API_PORT -jar "$jar" >>"$LOGS/mail.log" 2>&1 &
  record mail $! "$owner"
  wait_for "mail" 60 curl -fsS "http://127.0.0.1:$MAIL_API_PORT/api/service/readiness"
}

# ---------------------------------------------------------------- services
service_port() { # service_port <name>
  local i
  for i in "${!SERVICES[@]}"; do [ "${SERVICES[$i]}" = "$1" ] && { echo $((SERVICE_PORT_BASE + i)); return; }; done
}

grpc_port() { # grpc_port <internal service>
  echo $(($(service_port "$1") + 1000))
}

up_services() {
  local owner=$1 name port jar
  for name in "${SERVICES[@]}"; do
    jar="$ROOT/$name/target/quarkus-app/quarkus-run.jar"
    [ -f "$jar" ] || die "$name is not built: run 'make build' (or 'make run', which builds)"
  done
  # Each service is told where the others are, so a second copy of the suite can run on another port base: an internal
  # service serves gRPC on its HTTP port + 1000 (9081…9084 beside 8081…8084).
  export RAPPORT_PROFILE_GRPC_PORT=$(grpc_port profile-service)
  export RAPPORT_SEGMENT_GRPC_PORT=$(grpc_port segment-service)
  export RAPPORT_CAMPAIGN_GRPC_PORT=$(grpc_port campaign-service)
  export RAPPORT_CHATBOT_GRPC_PORT=$(grpc_port chatbot-service)
  export RAPPORT_DB_NAME="$DB_NAME" RAPPORT_DB_USER="$DB_USER" RAPPORT_DB_PASSWORD="$DB_PASSWORD"
  for name in "${SERVICES[@]}"; do
    port=$(service_port "$name")
    if listening "$port"; then say "$name: reusing what answers on port $port"; continue; fi
    say "$name: starting on port $port"
    QUARKUS_HTTP_PORT=$port nohup "$JDK/bin/java" ${RAPPORT_JAVA_OPTS:--Xmx384m} -jar "$ROOT/$name/target/quarkus-app/quarkus-run.jar" \
      >>"$LOGS/$name${RAPPORT_LOG_SUFFIX:-}.log" 2>&1 &
    record "$name${RAPPORT_LOG_SUFFIX:-}" $! "$owner"
  done
  for name in "${SERVICES[@]}"; do
    port=$(service_port "$name")
    wait_for "$name" 120 curl -fsS "http://127.0.0.1:$port/q/health/ready"
  done
}

# Chromium for the browser tests (Playwright drives it; it never downloads a browser of its own). Debian's package
# when none is there: RAPPORT_CHROMIUM names another.
ensure_chromium() {
  local chromium="${RAPPORT_CHROMIUM:-/usr/bin/chromium}"
  [ -x "$chromium" ] && return 0
  command -v apt-get >/dev/null && [ "$(id -u)" = 0 ] \
    || die "the browser tests need Chromium: install it (Debian: apt-get install chromium) or set RAPPORT_CHROMIUM"
  say "installing Chromium (Debian's chromium package, once)"
  { DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends chromium \
      || { apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends chromium; }; } \
      >"$LOGS/chromium-install.log" 2>&1 || die "installing Chromium failed: see $LOGS/chromium-install.log"
  [ -x "$chromium" ] || die "Chromium is not at $chromium after installing it"
}

# ---------------------------------------------------------------- commands
cmd_up() {
  local owner=run parts=()
  while [ $# -gt 0 ]; do
    case "$1" in
      --owner) owner=$2; shift 2 ;;
      postgres | kafka | keycloak | mail | services | chromium) parts+=("$1"); shift ;;
      *) die "unknown part: $1" ;;
    esac
  done
  [ ${#parts[@]} -gt 0 ] || parts=(postgres kafka keycloak mail services)
  local part
  for part in "${parts[@]}"; do
    case "$part" in
      postgres) up_postgres "$owner"; ensure_databases ;;
      kafka) up_kafka "$owner" ;;
      keycloak) up_keycloak "$owner" ;;
      mail) up_mail "$owner" ;;
      services) up_services "$owner" ;;
      chromium) ensure_chromium ;;
    esac
  done
}

cmd_down() {
  local owner="" file name
  [ "${1:-}" = "--owner" ] && owner=$2
  # Services first, then what they depend on.
  for name in "${SERVICES[@]}" mail keycloak kafka postgres; do
    for file in "$PIDS/$name"*.pid; do
      [ -f "$file" ] || continue
      local part; part=$(basename "$file" .pid)
      if [ -n "$owner" ] && [ "$(cat "$PIDS/$part.owner" 2>/dev/null)" != "$owner" ]; then continue; fi
      if [ "$part" = postgres ]; then
        say "stopping postgres"
        as_pg_user "$PG_HOME/bin/pg_ctl" -D "$PG_DATA" -m fast -w stop >/dev/null 2>&1 || stop_part postgres
        rm -f "$PIDS/postgres.pid" "$PIDS/postgres.owner"
      else
        stop_part "$part"
      fi
    done
  done
}

cmd_status() {
  local name port
  printf '%-18s %-6s %s\n' part port state
  for name in postgres:$PG_PORT kafka:$KAFKA_PORT keycloak:$KEYCLOAK_PORT mail:$MAIL_SMTP_PORT; do
    port=${name#*:}; name=${name%%:*}
    printf '%-18s %-6s %s\n' "$name" "$port" "$(listening "$port" && { alive "$name" && echo "up (started by us)" || echo "up (not ours)"; } || echo down)"
  done
  for name in "${SERVICES[@]}"; do
    port=$(service_port "$name")
    printf '%-18s %-6s %s\n' "$name" "$port" "$(curl -fsS "http://127.0.0.1:$port/q/health/ready" >/dev/null 2>&1 && echo ready || { listening "$port" && echo "up, not ready" || echo down; })"
  done
}

case "${1:-}" in
  up) shift; cmd_up "$@" ;;
  down) shift; cmd_down "$@" ;;
  status) cmd_status ;;
  kill-kafka) [ -f "$PIDS/kafka.pid" ] || die "Kafka was not started by this script"; kill -KILL "$(cat "$PIDS/kafka.pid")"; rm -f "$PIDS/kafka.pid" ;;
  kill-service) # kill-service <name>: kill -9, as a crash would (tests of recovery); `up services` starts it again
    part="$2${RAPPORT_LOG_SUFFIX:-}"; [ -f "$PIDS/$part.pid" ] || die "$2 was not started by this script"
    kill -KILL "$(cat "$PIDS/$part.pid")"; rm -f "$PIDS/$part.pid" "$PIDS/$part.owner" ;;
  start-kafka) owner=$(cat "$PIDS/kafka.owner" 2>/dev/null || echo run); kafka_jars; start_kafka "$owner" ;;
  kill-postgres) # as a crash would: the server and every backend at once, nothing flushed or shut down
    [ -f "$PIDS/postgres.pid" ] || die "PostgreSQL was not started by this script"
    pid=$(cat "$PIDS/postgres.pid"); rm -f "$PIDS/postgres.pid"
    kill -STOP "$pid" 2>/dev/null || true # no new backend forked while its backends die
    pkill -KILL -P "$pid" 2>/dev/null || true; kill -KILL "$pid" 2>/dev/null || true
    for ((i = 0; i < 40; i++)); do listening $PG_PORT || break; sleep 0.25; done ;;
  start-postgres) owner=$(cat "$PIDS/postgres.owner" 2>/dev/null || echo run); up_postgres "$owner" ;;
  java-home) echo "$JDK" ;;
  clean) cmd_down; rm -rf "$RUN" "$PG_BASE" ;;
  *) sed -n '2,12p' "$0"; exit 2 ;;
esac
