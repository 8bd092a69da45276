#!/usr/bin/env bash
# Local infrastructure for development and CI:
#   - Kafka (single-node KRaft, broker+controller in one JVM) on 127.0.0.1:9092, SASL/SCRAM-SHA-512
#     with the StandardAuthorizer: a user per service (passwords in .secrets/kafka/<user>.password)
#     and the ACLs of libs/topics/src/kafka-acls.json (docs/operations.md, "Kafka identities and ACLs")
#   - FerretDB (MongoDB wire protocol) on 127.0.0.1:27017, PostgreSQL backend by default (a private
#     cluster under .data/pg; measured ~18–56× faster than SQLite for our access pattern, see
#     docs/benchmarks.md), or SQLite with KUAYU_STORE_BACKEND=sqlite. With PostgreSQL, a user per
#     service that owns its database only (passwords in .secrets/mongo/<service>.password; its
#     MONGO_URI: `infra.sh mongo-uri <service>`); a client without credentials is the admin
#     (docs/security.md "Least privilege in the store")
#
# Usage: scripts/infra/infra.sh install|up|down|status|running|reset
#        scripts/infra/infra.sh mongo-uri <service>             the service's own MONGO_URI (the admin's with SQLite)
#        scripts/infra/infra.sh psql [psql args]                psql on the store's PostgreSQL database (superuser)
#        scripts/infra/infra.sh kill kafka|ferretdb|postgres    SIGKILL one component (fault injection)
#        scripts/infra/infra.sh start kafka|ferretdb|postgres   start it again, on the ports it had
#
# Everything lives inside the repo, in git-ignored folders:
#   .tools/  downloaded/built tools (Kafka jars, ferretdb binary)
#   .data/   data dirs, logs (.data/logs/*.log) and pid files (.data/pids/*.pid)
#
# Environment (all optional):
#   KAFKA_PORT (9092)  KAFKA_CONTROLLER_PORT (9093)  KAFKA_HEAP (512m)
#   MONGO_PORT (27017) KUAYU_STORE_BACKEND (sqlite|postgresql)  PG_PORT (55432)
#   FERRETDB_DEBUG_ADDR ("-" = off; e.g. 127.0.0.1:8088 for metrics/pprof)  FERRETDB_GOGC (400)
#   PG_SHARED_BUFFERS (2GB)  PG_MAX_WAL_SIZE (8GB)  PG_STATISTICS_TARGET (10)
#   INFRA_TIMEOUT (120) seconds to wait for each service to become healthy
set -euo pipefail

SCRIPT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd -P)
ROOT=$(cd "$SCRIPT_DIR/../.." && pwd -P)
TOOLS=$ROOT/.tools
DATA=$ROOT/.data
LOGS=$DATA/logs
PIDS=$DATA/pids

KAFKA_POM=$SCRIPT_DIR/kafka-pom.xml
KAFKA_VERSION=$(sed -n 's:.*<kafka.version>\(.*\)</kafka.version>.*:\1:p' "$KAFKA_POM")
KAFKA_HOME=$TOOLS/kafka
KAFKA_DATA=$DATA/kafka
KAFKA_PROPS=$KAFKA_DATA/server.properties
KAFKA_PORT=${KAFKA_PORT:-9092}
KAFKA_CONTROLLER_PORT=${KAFKA_CONTROLLER_PORT:-9093}
KAFKA_HEAP=${KAFKA_HEAP:-512m}
# SCRAM passwords of the broker's users (admin and one per principal of libs/topics/src/kafka-acls.json),
# generated once per machine; the stamp in the data dir says which of them the broker has.
KAFKA_SECRETS=$ROOT/.secrets/kafka
KAFKA_SCRAM_STAMP=$KAFKA_DATA/scram-users

FERRETDB_VERSION=v1.24.2
FERRETDB_BIN=$TOOLS/bin/ferretdb
FERRETDB_DATA=$DATA/ferretdb
MONGO_PORT=${MONGO_PORT:-27017}
FERRETDB_DEBUG_ADDR=${FERRETDB_DEBUG_ADDR:--}
FERRETDB_GOGC=${FERRETDB_GOGC:-400}
# FerretDB's PostgreSQL connection pool (its default is 50). An update or delete command holds a
# connection per statement until the command ends, and waits for a free one for the next: once the
# commands in flight need more than the pool, every command waits forever (docs/platform.md, "Keep
# the statements in flight below FerretDB's pool"). PostgreSQL takes 30 connections more, for psql
# and maintenance.
FERRETDB_POOL_MAX_CONNS=${FERRETDB_POOL_MAX_CONNS:-200}
BACKEND=${KUAYU_STORE_BACKEND:-postgresql}

# Private PostgreSQL cluster (only for KUAYU_STORE_BACKEND=postgresql). Not 5432 by
# default so it never collides with a system-wide cluster that apt may have started.
PG_HOME=$DATA/pg        # owned by the postgres user
PG_DATA=$PG_HOME/data   # the cluster (initdb wants an empty dir of its own)
PG_PORT=${PG_PORT:-55432}
PG_SUPERPASS=postgres   # local dev/CI only; listens on 127.0.0.1 only
PG_USER=ferretdb
# PostgreSQL's defaults are sized for a small shared machine: 128 MB of buffers and a checkpoint
# forced after every 1 GB of WAL. A drill's heads and indexes outgrow 128 MB within minutes, and
# every miss then costs a read and an eviction a write; a checkpoint every few minutes makes the
# next change of every page write the whole page into the WAL again (docs/platform.md, "PostgreSQL's
# buffers and checkpoints").
PG_SHARED_BUFFERS=${PG_SHARED_BUFFERS:-2GB}
PG_MAX_WAL_SIZE=${PG_MAX_WAL_SIZE:-8GB}
# Autovacuum analyses every table a drill writes about once a minute; with the default target (100)
# each ANALYZE samples 30,000 rows and computes the statistics of every expression index on them:
# PostgreSQL at twice its CPU for 10-15 s a minute, and every filing in flight waits. FerretDB's
# filters are equalities on indexed fields (docs/platform.md "Which filters an index serves"),
# which 3,000 sampled rows plan as well (docs/platform.md "Statistics from fewer rows").
PG_STATISTICS_TARGET=${PG_STATISTICS_TARGET:-10}
PG_PASS=ferretdb
# The services with a database of their own, each its own store user (PostgreSQL role) kuayu_<service>.
STORE_SERVICES="intake decision notification supervision"
MONGO_SECRETS=$ROOT/.secrets/mongo

TIMEOUT=${INFRA_TIMEOUT:-120}

# node (kafka-acls.js) from the project's pinned toolchain, as in every other script.
# shellcheck source=../env.sh
source "$ROOT/scripts/env.sh"

log() { echo "infra: $*"; }
die() { echo "infra: error: $*" >&2; exit 1; }

for p in KAFKA_PORT KAFKA_CONTROLLER_PORT MONGO_PORT PG_PORT; do
  # e.g. Kubernetes injects KAFKA_PORT=tcp://...; refuse rather than misbehave.
  [[ ${!p} =~ ^[0-9]+$ ]] || die "$p must be a port number, got '${!p}'"
done
case $BACKEND in sqlite | postgresql) ;; *) die "KUAYU_STORE_BACKEND must be sqlite or postgresql, got '$BACKEND'" ;; esac

# ---------------------------------------------------------------- helpers

need() { command -v "$1" >/dev/null 2>&1 || die "'$1' not found on PATH ($2)"; }

java_bin() { echo "${JAVA_HOME:+$JAVA_HOME/bin/}java"; }

# True if something accepts TCP connections on 127.0.0.1:$1.
port_open() { timeout 2 bash -c ": </dev/tcp/127.0.0.1/$1" 2>/dev/null; }

# What identifies each component's process in /proc/PID/cmdline. Checking this
# (not just "pid is alive") means a recycled pid never makes us touch a stranger.
marker() {
  case $1 in
    kafka) echo "$KAFKA_PROPS" ;;
    ferretdb) echo "$FERRETDB_BIN" ;;
    postgres) echo "$PG_DATA" ;;
  esac
}

# Prints the pid of component $1 if it is running and was started by us.
running_pid() {
  local pidfile=$PIDS/$1.pid pid
  [[ -f $pidfile ]] || return 1
  pid=$(<"$pidfile")
  [[ $pid =~ ^[0-9]+$ ]] || return 1
  [[ -r /proc/$pid/cmdline ]] || return 1
  # (Here-strings, not pipes: with pipefail, `cmd | grep -q` fails when grep exits first and cmd gets SIGPIPE.)
  grep -qF -- "$(marker "$1")" <<<"$(tr '\0' ' ' <"/proc/$pid/cmdline")" || return 1
  echo "$pid"
}

# Keep the previous run's log as *.log.1 so each start begins with a clean log
# (the readiness check greps it) without losing the last crash.
rotate_log() {
  if [[ -f $1 ]]; then mv -f "$1" "$1.1"; fi
  : >"$1"
}

# Start "$@" detached in its own session (setsid: no controlling terminal, not in
# our process group, so it survives this shell and Ctrl-C) and record its pid.
start_detached() {
  local name=$1 port=$2 logfile=$3
  shift 3
  setsid "$@" </dev/null >>"$logfile" 2>&1 &
  echo $! >"$PIDS/$name.pid"
  echo "$port" >"$PIDS/$name.port" # for status/down, whatever env they run with
}

# Liveness during startup: "pid exists and is not a zombie". (Right after the fork,
# cmdline is still our bash, so running_pid's marker check would fail for a moment.)
still_starting() {
  local pid
  pid=$(<"$PIDS/$1.pid")
  [[ -r /proc/$pid/status ]] && ! grep -q '^State:[[:space:]]*Z' "/proc/$pid/status"
}

fail_start() {
  local name=$1 logfile=$2 msg=$3
  echo "infra: error: $name: $msg; last lines of $logfile:" >&2
  tail -n 40 "$logfile" >&2 || true
  stop_component "$name" >/dev/null 2>&1 || true
  exit 1
}

# SIGTERM (or $2), wait up to 20 s, then SIGKILL. Only ever signals our own pid.
stop_component() {
  local name=$1 sig=${2:-TERM} pid i
  if ! pid=$(running_pid "$name"); then
    rm -f "$PIDS/$name.pid" "$PIDS/$name.port"
    return 0
  fi
  log "stopping $name (pid $pid)…"
  kill "-$sig" "$pid" 2>/dev/null || true
  for ((i = 0; i < 40; i++)); do
    [[ -d /proc/$pid ]] || break
    sleep 0.5
  done
  if [[ -d /proc/$pid ]]; then
    log "$name did not exit after 20 s, sending SIGKILL"
    kill -KILL "$pid" 2>/dev/null || true
    sleep 1
  fi
  rm -f "$PIDS/$name.pid" "$PIDS/$name.port"
}

# ---------------------------------------------------------------- install

kafka_installed_stamp() {
  # Re-install whenever the pom changes (Kafka or log4j version bump), not only the Kafka version.
  echo "kafka=$KAFKA_VERSION pom-sha256=$(sha256sum "$KAFKA_POM" | cut -d' ' -f1)"
}

kafka_installed() {
  [[ -f $KAFKA_HOME/INSTALLED && "$(<"$KAFKA_HOME/INSTALLED")" == "$(kafka_installed_stamp)" ]] &&
    compgen -G "$KAFKA_HOME/libs/kafka_2.13-$KAFKA_VERSION.jar" >/dev/null
}

ferretdb_installed() {
  [[ -x $FERRETDB_BIN ]] && grep -qx "version: $FERRETDB_VERSION" <<<"$("$FERRETDB_BIN" --version 2>/dev/null)"
}

install_kafka() {
  if kafka_installed; then
    log "kafka $KAFKA_VERSION already installed"
    return
  fi
  need mvn "install Maven"
  need "$(java_bin)" "install a Java 17+ JDK"
  log "installing kafka $KAFKA_VERSION jars from Maven Central…"
  mkdir -p "$KAFKA_HOME"
  # Copy into a fresh dir and swap, so an upgrade never leaves old-version jars
  # mixed into the classpath. Uses (and fills) the normal ~/.m2 cache.
  rm -rf "$KAFKA_HOME/libs.new"
  # The sed only strips the stray ANSI reset codes Debian's Maven prints even with -B.
  mvn -B -q -f "$KAFKA_POM" dependency:copy-dependencies -DoutputDirectory="$KAFKA_HOME/libs.new" 2>&1 |
    sed 's/\x1b\[[0-9;]*m//g' || die "maven could not fetch the kafka jars"
  rm -rf "$KAFKA_HOME/libs"
  mv "$KAFKA_HOME/libs.new" "$KAFKA_HOME/libs"
  kafka_installed_stamp >"$KAFKA_HOME/INSTALLED"
  log "kafka $KAFKA_VERSION installed ($(find "$KAFKA_HOME/libs" -name '*.jar' | wc -l) jars)"
}

install_ferretdb() {
  if ferretdb_installed; then
    log "ferretdb $FERRETDB_VERSION already installed"
    return
  fi
  need go "install Go 1.24+"
  log "installing ferretdb $FERRETDB_VERSION (go build)…"
  # Why not simply `go install github.com/FerretDB/FerretDB/cmd/ferretdb@v1.24.2`:
  # the module zip lacks the generated build/version/version.txt, and such a binary
  # panics at startup ("Invalid build/version/version.txt file content"). Go also
  # refuses -overlay for files in the module cache. So: fetch the module through the
  # normal module cache/proxy (checksum-verified), copy it, add version.txt, build.
  local src build=$TOOLS/build/ferretdb-$FERRETDB_VERSION buildlog=$TOOLS/build/ferretdb-build.log
  rm -rf "$build"
  mkdir -p "$(dirname "$build")" "$TOOLS/bin"
  src=$(GOWORK=off go mod download -json "github.com/FerretDB/FerretDB@$FERRETDB_VERSION" |
    sed -n 's/^[[:space:]]*"Dir": "\(.*\)",\{0,1\}$/\1/p') || true
  [[ -n $src && -d $src ]] || die "could not download github.com/FerretDB/FerretDB@$FERRETDB_VERSION"
  cp -R "$src" "$build"
  chmod -R u+w "$build" # module cache files are read-only
  echo "$FERRETDB_VERSION" >"$build/build/version/version.txt"
  # GOWORK=off: never pick up a go.work from an enclosing directory.
  # Output (60-odd "go: downloading" lines) only matters when the build fails.
  (cd "$build" && GOWORK=off go build -trimpath -buildvcs=false -o "$FERRETDB_BIN.new" ./cmd/ferretdb) \
    >"$buildlog" 2>&1 || {
    cat "$buildlog" >&2
    die "ferretdb build failed"
  }
  mv -f "$FERRETDB_BIN.new" "$FERRETDB_BIN"
  rm -rf "$build" "$buildlog"
  rmdir "$TOOLS/build" 2>/dev/null || true
  grep -qx "version: $FERRETDB_VERSION" <<<"$("$FERRETDB_BIN" --version)" || die "built ferretdb does not report $FERRETDB_VERSION"
  log "ferretdb $FERRETDB_VERSION installed at ${FERRETDB_BIN#"$ROOT"/}"
}

# Debian's binaries live in /usr/lib/postgresql/<major>/bin; take the newest major.
pg_bindir() {
  local d
  d=$(find /usr/lib/postgresql -mindepth 2 -maxdepth 2 -type d -name bin 2>/dev/null | sort -V | tail -n 1)
  if [[ -n $d && -x $d/pg_ctl ]]; then echo "$d"; return; fi
  d=$(dirname "$(command -v pg_ctl 2>/dev/null || echo /nonexistent/pg_ctl)")
  [[ -x $d/pg_ctl ]] && echo "$d"
}

install_postgres() {
  if pg_bindir >/dev/null; then
    log "postgresql already installed ($(pg_bindir))"
    return
  fi
  [[ $EUID -eq 0 ]] || die "postgresql is not installed; run: sudo apt-get install -y postgresql"
  log "installing postgresql via apt…"
  DEBIAN_FRONTEND=noninteractive apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
  pg_bindir >/dev/null || die "postgresql installed but pg_ctl not found"
}

cmd_install() {
  mkdir -p "$TOOLS"
  install_kafka
  install_ferretdb
  if [[ $BACKEND == postgresql ]]; then install_postgres; fi
}

# ---------------------------------------------------------------- kafka

# The JVM command line shared by the broker and the storage tool.
kafka_java() {
  KAFKA_JAVA=("$(java_bin)" -Xmx"$KAFKA_HEAP" -XX:+UseG1GC -XX:MaxGCPauseMillis=20 -XX:+ExitOnOutOfMemoryError
    -Djava.awt.headless=true -Dlog4j2.configurationFile="$SCRIPT_DIR/log4j2.yaml"
    -cp "$KAFKA_HOME/libs/*")
}

# The broker's users: admin (super user: the broker itself, topic creation, tests) and the table's principals.
kafka_users() {
  echo admin
  node "$SCRIPT_DIR/kafka-acls.js" users
}

# A password per user, created once (git-ignored .secrets/kafka/<user>.password, mode 600).
kafka_secrets() {
  local u
  mkdir -p "$KAFKA_SECRETS"
  chmod 700 "$KAFKA_SECRETS"
  for u in $(kafka_users); do
    if [[ ! -s $KAFKA_SECRETS/$u.password ]]; then
      (umask 077 && node -e 'process.stdout.write(require("crypto").randomBytes(24).toString("hex"))' >"$KAFKA_SECRETS/$u.password")
      log "kafka: generated a password for $u in ${KAFKA_SECRETS#"$ROOT"/}/$u.password"
    fi
  done
}

# "<user> <sha256 of user:password>": a line of the stamp, i.e. the broker has this credential.
scram_line() { echo "$1 $(printf '%s:%s' "$1" "$(<"$KAFKA_SECRETS/$1.password")" | sha256sum | cut -d' ' -f1)"; }

# The broker's config (with the admin password, so mode 600) and the admin's client config for the CLI tools.
kafka_render() {
  local pw
  pw=$(<"$KAFKA_SECRETS/admin.password")
  (umask 077 && sed -e "s|@KAFKA_PORT@|$KAFKA_PORT|g" \
    -e "s|@CONTROLLER_PORT@|$KAFKA_CONTROLLER_PORT|g" \
    -e "s|@LOG_DIR@|$KAFKA_DATA/data|g" \
    -e "s|@ADMIN_PASSWORD@|$pw|g" \
    "$SCRIPT_DIR/server.properties" >"$KAFKA_PROPS")
  (umask 077 && printf '%s\n' "security.protocol=SASL_PLAINTEXT" "sasl.mechanism=SCRAM-SHA-512" \
    "sasl.jaas.config=org.apache.kafka.common.security.scram.ScramLoginModule required username=\"admin\" password=\"$pw\";" \
    >"$KAFKA_DATA/admin.properties")
  chmod 600 "$KAFKA_PROPS" "$KAFKA_DATA/admin.properties" # also when they existed before
}

# Users whose password the broker does not have yet get it, as the admin, with kafka-configs
# (ConfigCommand); then the broker's ACLs of the table's principals are made the table's (kafka-acls.js).
kafka_sync_users_and_acls() {
  local u port=$1
  kafka_java
  for u in $(kafka_users); do
    [[ $u != admin ]] || continue
    if ! grep -qxF "$(scram_line "$u")" "$KAFKA_SCRAM_STAMP" 2>/dev/null; then
      "${KAFKA_JAVA[@]}" org.apache.kafka.tools.ConfigCommand --bootstrap-server "127.0.0.1:$port" \
        --command-config "$KAFKA_DATA/admin.properties" --alter --entity-type users --entity-name "$u" \
        --add-config "SCRAM-SHA-512=[password=$(<"$KAFKA_SECRETS/$u.password")]" >"$LOGS/kafka-configs.log" 2>&1 || {
        cat "$LOGS/kafka-configs.log" >&2
        die "kafka: could not set the SCRAM credential of $u"
      }
      { grep -v "^$u " "$KAFKA_SCRAM_STAMP" 2>/dev/null || true; scram_line "$u"; } >"$KAFKA_SCRAM_STAMP.new"
      mv -f "$KAFKA_SCRAM_STAMP.new" "$KAFKA_SCRAM_STAMP"
      log "kafka: SCRAM credential of $u set"
    fi
  done
  KAFKA_BROKERS=127.0.0.1:$port KAFKA_TOPIC_PREFIX="" KAFKA_SASL_USERNAME=admin KAFKA_SASL_PASSWORD="$(<"$KAFKA_SECRETS/admin.password")" \
    node --no-warnings "$SCRIPT_DIR/kafka-acls.js" apply | sed 's/^kafka-acls: /infra: kafka: /' || die "kafka: could not apply the ACLs"
}

kafka_up() {
  local pid logfile=$LOGS/kafka.log deadline
  kafka_secrets
  if pid=$(running_pid kafka); then
    log "kafka already running (pid $pid, 127.0.0.1:$(port_of kafka "$KAFKA_PORT"))"
    kafka_sync_users_and_acls "$(port_of kafka "$KAFKA_PORT")"
    return
  fi
  for p in "$KAFKA_PORT" "$KAFKA_CONTROLLER_PORT"; do
    if port_open "$p"; then die "kafka: port 127.0.0.1:$p is already in use by a process we did not start"; fi
  done

  # Rendered on every start so port overrides take effect; the storage format
  # does not depend on ports (static controller.quorum.voters).
  mkdir -p "$KAFKA_DATA/data"
  kafka_render

  kafka_java
  # A data dir formatted before the broker authenticated (or with another admin password) has no
  # admin credential, and nobody could log in to add one: format it again. Its topics and their
  # events are deleted (local data; the services' topics come back with `make up`).
  if [[ -f $KAFKA_DATA/data/meta.properties ]] && ! grep -qxF "$(scram_line admin)" "$KAFKA_SCRAM_STAMP" 2>/dev/null; then
    log "kafka: the data dir has no SCRAM credential for the current admin password; formatting it again (local topics are deleted)"
    rm -rf "$KAFKA_DATA/data" "$KAFKA_SCRAM_STAMP"
    mkdir -p "$KAFKA_DATA/data"
  fi
  # KRaft needs its log dir formatted once with a cluster id before first start; every user's
  # SCRAM credential goes in with it.
  if [[ ! -f $KAFKA_DATA/data/meta.properties ]]; then
    local cluster_id u scram=()
    cluster_id=$("${KAFKA_JAVA[@]}" kafka.tools.StorageTool random-uuid | tail -n 1)
    for u in $(kafka_users); do scram+=(--add-scram "SCRAM-SHA-512=[name=$u,password=$(<"$KAFKA_SECRETS/$u.password")]"); done
    log "kafka: formatting storage (cluster id $cluster_id) with the SCRAM credentials of $(kafka_users | paste -sd' ')…"
    "${KAFKA_JAVA[@]}" kafka.tools.StorageTool format --ignore-formatted -t "$cluster_id" -c "$KAFKA_PROPS" "${scram[@]}" \
      >"$LOGS/kafka-format.log" 2>&1 || {
      cat "$LOGS/kafka-format.log" >&2
      die "kafka: storage format failed"
    }
    for u in $(kafka_users); do scram_line "$u"; done >"$KAFKA_SCRAM_STAMP"
  fi

  log "starting kafka $KAFKA_VERSION on 127.0.0.1:$KAFKA_PORT…"
  rotate_log "$logfile"
  start_detached kafka "$KAFKA_PORT" "$logfile" "${KAFKA_JAVA[@]}" kafka.Kafka "$KAFKA_PROPS"

  # Ready = the port accepts connections AND the server logged that startup finished
  # (the port opens a little before the broker has caught up with the metadata log).
  deadline=$((SECONDS + TIMEOUT))
  while ((SECONDS < deadline)); do
    still_starting kafka || fail_start kafka "$logfile" "process exited during startup"
    if port_open "$KAFKA_PORT" && grep -q 'Kafka Server started' "$logfile"; then
      log "kafka ready (pid $(<"$PIDS/kafka.pid"), 127.0.0.1:$KAFKA_PORT, SASL_PLAINTEXT SCRAM-SHA-512)"
      kafka_sync_users_and_acls "$KAFKA_PORT"
      return
    fi
    sleep 1
  done
  fail_start kafka "$logfile" "not ready after ${TIMEOUT}s"
}

# ---------------------------------------------------------------- postgres

# Postgres refuses to run as root, so as root run its tools as the `postgres` user
# (created by the Debian package); as a normal user, run them directly.
as_pg() {
  if [[ $EUID -eq 0 ]]; then
    (cd "$PG_HOME" && runuser -u postgres -- "$@")
  else
    (cd "$PG_HOME" && "$@")
  fi
}

pg_psql() {
  PGPASSWORD=$PG_SUPERPASS "$(pg_bindir)/psql" -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$PG_PORT" -U postgres -d postgres "$@"
}

# GIN indexes FerretDB's equality pushdown can use; without them every command reads its whole
# table (see the SQL file). Idempotent.
pg_pushdown_indexes() {
  pg_psql -d ferretdb -f "$SCRIPT_DIR/ferretdb-pushdown-indexes.sql" >/dev/null ||
    die "postgres: could not apply ferretdb-pushdown-indexes.sql"
}

# A store user per service (PostgreSQL backend only): its password, created once (git-ignored
# .secrets/mongo/<service>.password, mode 600), its role and its schema (ferretdb-service-roles.sql).
# Idempotent. The passwords go to psql on stdin, never on a command line.
pg_service_roles() {
  local svc
  mkdir -p "$MONGO_SECRETS"
  chmod 700 "$MONGO_SECRETS"
  pg_psql -d ferretdb -f "$SCRIPT_DIR/ferretdb-service-roles.sql" >/dev/null ||
    die "postgres: could not apply ferretdb-service-roles.sql"
  for svc in $STORE_SERVICES; do
    if [[ ! -s $MONGO_SECRETS/$svc.password ]]; then
      (umask 077 && node -e 'process.stdout.write(require("crypto").randomBytes(24).toString("hex"))' >"$MONGO_SECRETS/$svc.password")
    fi
    printf "SET client_min_messages = warning; SELECT public.kuayu_service_role('kuayu_%s', '%s');\n" "$svc" "$(<"$MONGO_SECRETS/$svc.password")" |
      pg_psql -d ferretdb >/dev/null || die "postgres: could not make the store user kuayu_$svc"
  done
}

# The MONGO_URI of a service's own store user (PLAIN: FerretDB hands the credentials to PostgreSQL).
cmd_mongo_uri() {
  local svc=${1:-} port
  [[ " $STORE_SERVICES " == *" $svc "* ]] || die "usage: $0 mongo-uri <$(tr ' ' '|' <<<"$STORE_SERVICES")>"
  port=$(port_of ferretdb "$MONGO_PORT")
  if [[ $(cat "$PIDS/ferretdb.backend" 2>/dev/null || echo "$BACKEND") == postgresql && -s $MONGO_SECRETS/$svc.password ]]; then
    echo "mongodb://kuayu_$svc:$(<"$MONGO_SECRETS/$svc.password")@127.0.0.1:$port/?authMechanism=PLAIN"
  else
    echo "mongodb://127.0.0.1:$port"
  fi
}

# psql on the running store's `ferretdb` database as PostgreSQL's superuser (tests and operators
# look at what FerretDB made of a collection: its table, indexes and storage options).
cmd_psql() {
  [[ $(cat "$PIDS/ferretdb.backend" 2>/dev/null || echo "$BACKEND") == postgresql ]] || die "psql: the store does not run on PostgreSQL"
  running_pid postgres >/dev/null || die "psql: postgres is not running (run: $0 up)"
  PG_PORT=$(port_of postgres "$PG_PORT") pg_psql -d ferretdb "$@"
}

pg_up() {
  local pid bindir logfile=$LOGS/postgres.log
  install_postgres >/dev/null
  bindir=$(pg_bindir)
  if pid=$(running_pid postgres); then
    log "postgres already running (pid $pid, 127.0.0.1:$(port_of postgres "$PG_PORT"))"
    return
  fi
  if port_open "$PG_PORT"; then die "postgres: port 127.0.0.1:$PG_PORT is already in use by a process we did not start"; fi

  mkdir -p "$PG_HOME"
  [[ $EUID -ne 0 ]] || chown postgres: "$PG_HOME"
  chmod 700 "$PG_HOME"
  if [[ ! -f $PG_DATA/PG_VERSION ]]; then
    log "postgres: initdb in ${PG_DATA#"$ROOT"/}…"
    rm -rf "$PG_DATA" # a half-finished earlier initdb
    local pwfile=$PG_HOME/pwfile
    echo "$PG_SUPERPASS" >"$pwfile"
    [[ $EUID -ne 0 ]] || chown postgres: "$pwfile"
    chmod 600 "$pwfile"
    as_pg "$bindir/initdb" -D "$PG_DATA" -U postgres --pwfile="$pwfile" -E UTF8 --locale=C \
      --auth-host=scram-sha-256 --auth-local=peer >"$LOGS/postgres-initdb.log" 2>&1 || {
      cat "$LOGS/postgres-initdb.log" >&2
      die "postgres: initdb failed"
    }
    rm -f "$pwfile"
    # TCP on loopback only, and no unix socket (avoids /var/run/postgresql and
    # socket-path length limits in deep checkouts).
    cat >>"$PG_DATA/postgresql.conf" <<'EOF'

# added by scripts/infra/infra.sh
listen_addresses = '127.0.0.1'
unix_socket_directories = ''
EOF
  fi

  log "starting postgres on 127.0.0.1:$PG_PORT…"
  rotate_log "$logfile"
  [[ $EUID -ne 0 ]] || chown postgres: "$logfile"
  # pg_ctl detaches the postmaster itself (own session, log to -l file) and -w
  # waits until it accepts connections.
  as_pg "$bindir/pg_ctl" start -w -t "$TIMEOUT" -D "$PG_DATA" -l "$logfile" -o "-p $PG_PORT -c max_connections=$((FERRETDB_POOL_MAX_CONNS + 30)) -c shared_buffers=$PG_SHARED_BUFFERS -c max_wal_size=$PG_MAX_WAL_SIZE -c checkpoint_timeout=15min -c default_statistics_target=$PG_STATISTICS_TARGET" >/dev/null ||
    fail_start postgres "$logfile" "pg_ctl start failed"
  head -n 1 "$PG_DATA/postmaster.pid" >"$PIDS/postgres.pid"
  echo "$PG_PORT" >"$PIDS/postgres.port"
  running_pid postgres >/dev/null || fail_start postgres "$logfile" "postmaster not running after start"

  # Role and database for FerretDB (idempotent).
  if [[ -z $(pg_psql -tAc "SELECT 1 FROM pg_roles WHERE rolname = '$PG_USER'") ]]; then
    pg_psql -c "CREATE ROLE $PG_USER LOGIN PASSWORD '$PG_PASS'"
  fi
  if [[ -z $(pg_psql -tAc "SELECT 1 FROM pg_database WHERE datname = 'ferretdb'") ]]; then
    pg_psql -c "CREATE DATABASE ferretdb OWNER $PG_USER"
  fi
  pg_pushdown_indexes
  pg_service_roles
  log "postgres ready (pid $(<"$PIDS/postgres.pid"), 127.0.0.1:$PG_PORT, a store user per service: $STORE_SERVICES)"
}

# ---------------------------------------------------------------- ferretdb

ferretdb_up() {
  local pid logfile=$LOGS/ferretdb.log deadline backend_args
  if pid=$(running_pid ferretdb); then
    local was
    was=$(cat "$PIDS/ferretdb.backend" 2>/dev/null || echo unknown)
    log "ferretdb already running (pid $pid, 127.0.0.1:$(port_of ferretdb "$MONGO_PORT"), backend $was)"
    [[ $was == "$BACKEND" ]] || log "warning: requested backend $BACKEND but ferretdb runs with $was; run 'down' first to switch"
    # A store started by an older checkout may lack them; FerretDB's open connections keep their
    # plan_cache_mode until it restarts.
    if [[ $was == postgresql ]]; then
      PG_PORT=$(port_of postgres "$PG_PORT") pg_pushdown_indexes
      PG_PORT=$(port_of postgres "$PG_PORT") pg_service_roles
    fi
    return
  fi
  if port_open "$MONGO_PORT"; then die "ferretdb: port 127.0.0.1:$MONGO_PORT is already in use by a process we did not start"; fi

  mkdir -p "$FERRETDB_DATA"
  if [[ $BACKEND == postgresql ]]; then
    pg_up
    # port_of: postgres may already be running from an earlier `up` with another PG_PORT.
    backend_args=(--handler=postgresql
      "--postgresql-url=postgres://$PG_USER:$PG_PASS@127.0.0.1:$(port_of postgres "$PG_PORT")/ferretdb?pool_max_conns=$FERRETDB_POOL_MAX_CONNS")
  else
    backend_args=(--handler=sqlite "--sqlite-url=file:$FERRETDB_DATA/")
  fi

  log "starting ferretdb $FERRETDB_VERSION ($BACKEND) on 127.0.0.1:$MONGO_PORT…"
  rotate_log "$logfile"
  # --state-dir: otherwise it writes state.json into the cwd.
  # --debug-addr=-: no metrics/pprof HTTP listener unless FERRETDB_DEBUG_ADDR asks for one.
  # GOGC: FerretDB allocates a document per row read, and Go's default (100) spent 17 % of its CPU
  # collecting them in the drill (docs/drill.md); it uses ~70 MB, so trading memory for CPU is cheap.
  GOGC=$FERRETDB_GOGC start_detached ferretdb "$MONGO_PORT" "$logfile" "$FERRETDB_BIN" \
    --listen-addr="127.0.0.1:$MONGO_PORT" \
    "${backend_args[@]}" \
    --state-dir="$FERRETDB_DATA" \
    --telemetry=disable \
    --debug-addr="$FERRETDB_DEBUG_ADDR" \
    --log-format=text
  echo "$BACKEND" >"$PIDS/ferretdb.backend"

  deadline=$((SECONDS + TIMEOUT))
  while ((SECONDS < deadline)); do
    still_starting ferretdb || fail_start ferretdb "$logfile" "process exited during startup"
    if port_open "$MONGO_PORT"; then
      log "ferretdb ready (pid $(<"$PIDS/ferretdb.pid"), 127.0.0.1:$MONGO_PORT)"
      return
    fi
    sleep 0.5
  done
  fail_start ferretdb "$logfile" "not ready after ${TIMEOUT}s"
}

# ---------------------------------------------------------------- commands

cmd_up() {
  # Convenience for fresh checkouts/CI: install what is missing (a no-op otherwise).
  if ! kafka_installed || ! ferretdb_installed; then cmd_install; fi
  mkdir -p "$LOGS" "$PIDS"
  kafka_up
  ferretdb_up
}

cmd_down() {
  # FerretDB first: it is a client of postgres.
  stop_component ferretdb
  rm -f "$PIDS/ferretdb.backend"
  # SIGINT = postgres "fast" shutdown (SIGTERM would be "smart": wait for clients).
  stop_component postgres INT
  # SIGTERM = Kafka controlled shutdown.
  stop_component kafka
  log "down"
}

# Port a running component was started with (may differ from this shell's env).
port_of() { cat "$PIDS/$1.port" 2>/dev/null || echo "$2"; }

status_line() {
  local name=$1 port=$2 pid
  if pid=$(running_pid "$name"); then
    printf 'infra: %-9s running  pid %-7s 127.0.0.1:%s%s\n' "$name" "$pid" "$(port_of "$name" "$port")" "${3:-}"
  else
    printf 'infra: %-9s stopped\n' "$name"
  fi
}

cmd_status() {
  status_line kafka "$KAFKA_PORT"
  status_line ferretdb "$MONGO_PORT" "  backend $(cat "$PIDS/ferretdb.backend" 2>/dev/null || echo "$BACKEND")"
  if [[ $BACKEND == postgresql || -f $PIDS/postgres.pid ]]; then status_line postgres "$PG_PORT"; fi
}

# Exit 0 when both the broker and the store are running (make test stops only what it started).
cmd_running() {
  running_pid kafka >/dev/null && running_pid ferretdb >/dev/null
}

# Fault injection: SIGKILL a component as a crash would (no shutdown of any kind) and wait until it
# is gone. PostgreSQL: the postmaster and every backend at once (the whole server crashing). The pid
# and port files stay, so `start` brings it back on the ports it had, whatever this shell's env.
cmd_kill() {
  local name=$1 pid pids i
  pid=$(running_pid "$name") || die "$name is not running (or not started by this checkout)"
  pids=("$pid")
  if [[ $name == postgres ]]; then
    mapfile -t -O 1 pids < <(ps -o pid= --ppid "$pid" | tr -d ' ')
  fi
  kill -KILL "${pids[@]}" 2>/dev/null || true
  for ((i = 0; i < 100; i++)); do
    local alive=0
    for p in "${pids[@]}"; do [[ -d /proc/$p ]] && alive=1; done
    ((alive)) || break
    sleep 0.1
  done
  log "$name killed (SIGKILL, pid${pids[1]:+s} ${pids[*]})"
}

# Starts one component again after `kill` (or `down`), on the ports recorded when it last started.
cmd_start() {
  mkdir -p "$LOGS" "$PIDS"
  case $1 in
    kafka)
      KAFKA_PORT=$(port_of kafka "$KAFKA_PORT")
      local controller
      controller=$(sed -n 's/^controller.quorum.voters=1@127.0.0.1:\([0-9]*\)$/\1/p' "$KAFKA_PROPS" 2>/dev/null || true)
      KAFKA_CONTROLLER_PORT=${controller:-$KAFKA_CONTROLLER_PORT}
      kafka_up
      ;;
    postgres)
      PG_PORT=$(port_of postgres "$PG_PORT")
      pg_up
      ;;
    ferretdb)
      MONGO_PORT=$(port_of ferretdb "$MONGO_PORT")
      BACKEND=$(cat "$PIDS/ferretdb.backend" 2>/dev/null || echo "$BACKEND")
      ferretdb_up
      ;;
  esac
}

cmd_reset() {
  cmd_down
  log "deleting ${DATA#"$ROOT"/}"
  rm -rf "$DATA"
}

case ${1:-} in
  install) cmd_install ;;
  up) cmd_up ;;
  down) cmd_down ;;
  status) cmd_status ;;
  running) cmd_running ;;
  reset) cmd_reset ;;
  mongo-uri) cmd_mongo_uri "${2:-}" ;;
  psql) cmd_psql "${@:2}" ;;
  kill | start)
    case ${2:-} in kafka | ferretdb | postgres) ;; *) die "usage: $0 $1 kafka|ferretdb|postgres" ;; esac
    "cmd_$1" "$2"
    ;;
  *)
    echo "usage: $0 install|up|down|status|running|reset|mongo-uri <service>|psql [psql args]|kill <component>|start <component>" >&2
    exit 2
    ;;
esac
