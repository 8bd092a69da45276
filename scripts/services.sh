#!/usr/bin/env bash
# Runs the built services locally as background processes (for `make up` / `make down`).
#   services.sh up|down|status
# Logs: .data/logs/<service>.log (JSON). Pids: .data/pids/svc-<service>.pid.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/env.sh"
cd "$KUAYU_ROOT"
mkdir -p .data/logs .data/pids

# service  gRPC port  metrics port — one line per service; add new services here.
# Started in this order: routing first (intake checks routes with it), then intake, decision (it
# copies materials from intake), notification and supervision (its dashboards' HTTP API on :8085).
SERVICES="
routing 50052 9465
intake 50051 9464
decision 50053 9466
notification 50054 9467
supervision 50055 9468
"

# Notification and supervision follow the filings' events; no step of a filing waits for them. On a
# machine that runs everything they yield the CPU to the filing's path (docs/architecture.md "The
# filing path first"): they run this much nicer than the rest (0: the same).
FOLLOWERS="notification supervision"
FOLLOWERS_NICE=${FOLLOWERS_NICE:-10}
[[ "$FOLLOWERS_NICE" =~ ^([0-9]|1[0-9])$ ]] || { echo "services: FOLLOWERS_NICE must be a niceness 0..19, not '$FOLLOWERS_NICE'" >&2; exit 2; }

# The web console and the development identity provider it signs users in with (HTTP, not gRPC).
IDP_PORT=${DEV_IDP_PORT:-8090}
CONSOLE_PORT=${CONSOLE_PORT:-8080}
IDP_URL="http://127.0.0.1:$IDP_PORT"
CONSOLE_URL="http://127.0.0.1:$CONSOLE_PORT"

# Mutual TLS on every gRPC server and client, HTTPS for supervision's HTTP API: the development CA and
# certificates the bootstrap made (scripts/tls/dev-certs.sh). The services present the server pair (also
# their client certificate when they call each other); the console, only a client, the client pair.
TLS_DIR="$KUAYU_ROOT/.secrets/tls"
# NODE_EXTRA_CA_CERTS: Node's own HTTPS clients (JWKS of supervision's API) trust the CA too.
# (--disable-warning=DEP0123 below: grpc-js names the TLS server after the address dialled, 127.0.0.1 here.)
TLS_ENV=(TLS_CA_FILE="$TLS_DIR/ca.pem" TLS_CERT_FILE="$TLS_DIR/server.pem" TLS_KEY_FILE="$TLS_DIR/server-key.pem" NODE_EXTRA_CA_CERTS="$TLS_DIR/ca.pem")
GRPCURL_TLS=(-cacert "$TLS_DIR/ca.pem" -cert "$TLS_DIR/client.pem" -key "$TLS_DIR/client-key.pem")

# Signed events: each producing service signs with its own key (.secrets/events/<service>-key.pem);
# every service verifies against the release's event JWKS (scripts/events/dev-keys.sh).
EVENTS_DIR="$KUAYU_ROOT/.secrets/events"
EVENT_PRODUCERS="intake decision supervision"
# The services with a database (scripts/infra/infra.sh STORE_SERVICES).
STORE_SERVICES="intake decision notification supervision"

pidfile() { echo ".data/pids/svc-$1.pid"; }
alive() { [ -f "$(pidfile "$1")" ] && kill -0 "$(cat "$(pidfile "$1")")" 2>/dev/null; }

# start_http NAME URL CMD... — runs a process in the background and waits until URL answers.
start_http() {
  local name=$1 url=$2; shift 2
  if alive "$name"; then echo "services: $name already running"; return; fi
  setsid nohup "$@" >".data/logs/$name.log" 2>&1 < /dev/null &
  echo $! > "$(pidfile "$name")"
  for _ in $(seq 1 120); do
    if curl -fs -o /dev/null --max-time 1 "$url" 2>/dev/null; then return; fi
    alive "$name" || { echo "services: $name exited; last log lines:" >&2; tail -n 20 ".data/logs/$name.log" >&2; exit 1; }
    sleep 0.5
  done
}

# The broker (scripts/infra/infra.sh): each service logs in as its own Kafka user, whose ACLs
# (libs/topics/src/kafka-acls.json) let it use the topics it produces and consumes and nothing else.
export KAFKA_BROKERS=${KAFKA_BROKERS:-127.0.0.1:${KAFKA_PORT:-9092}}

up() {
  [ -f "$TLS_DIR/ca.pem" ] || bash scripts/tls/dev-certs.sh "$TLS_DIR"
  bash scripts/events/dev-keys.sh "$EVENTS_DIR"
  # Topics are the admin's to create; the services only describe them.
  node --no-warnings scripts/infra/kafka-acls.js topics
  # Sign-in first: every service also trusts its access tokens (OIDC_ISSUER).
  start_http dev-idp "$IDP_URL/.well-known/openid-configuration" \
    env DEV_IDP_PORT="$IDP_PORT" CONSOLE_URL="$CONSOLE_URL" CONSOLE_CLIENT_SECRET="$(cat .secrets/console-client-secret)" node libs/dev-idp/dist/main.js
  echo "services: dev-idp  $IDP_URL (development sign-in; accounts in docs/console.md)  log .data/logs/dev-idp.log"
  echo "$SERVICES" | while read -r name grpc metrics; do
    [ -n "$name" ] || continue
    if alive "$name"; then echo "services: $name already running"; continue; fi
    [ -f "services/$name/dist/main.js" ] || { echo "services: $name is not built (run make build)" >&2; exit 1; }
    # Decision signs tokens (to fetch materials from intake as the jurisdiction court), and so does
    # the console (public tokens of /verify); notification prints the console's /verify on notices.
    extra=""
    [ "$name" = decision ] && extra="JWT_PRIVATE_KEY_FILE=$KUAYU_ROOT/.secrets/jwt-private.pem"
    [ "$name" = notification ] && extra="DOCUMENT_VERIFY_URL=$CONSOLE_URL/verify"
    signing=""
    [[ " $EVENT_PRODUCERS " == *" $name "* ]] && signing="EVENT_SIGNING_KEY_FILE=$EVENTS_DIR/$name-key.pem"
    niceness=0
    [[ " $FOLLOWERS " == *" $name "* ]] && niceness=$FOLLOWERS_NICE
    # Its own store user, which reaches its own database only (scripts/infra/infra.sh mongo-uri;
    # docs/security.md "Least privilege in the store"); routing has no database.
    store=""
    [[ " $STORE_SERVICES " == *" $name "* ]] && store="MONGO_URI=$(bash scripts/infra/infra.sh mongo-uri "$name")"
    GRPC_PORT=$grpc METRICS_PORT=$metrics OTEL_SERVICE_NAME=$name \
      KAFKA_SASL_MECHANISM=scram-sha-512 KAFKA_SASL_USERNAME="$name" KAFKA_SASL_PASSWORD_FILE="$KUAYU_ROOT/.secrets/kafka/$name.password" \
      JWT_PUBLIC_KEY_FILE="$KUAYU_ROOT/.secrets/jwt-public.pem" OIDC_ISSUER="$IDP_URL" \
      FIELDCRYPT_MASTER_KEY_DIR="$KUAYU_ROOT/.secrets/fieldcrypt" \
      env ${extra:+"$extra"} ${signing:+"$signing"} ${store:+"$store"} EVENT_KEYS_FILE="$EVENTS_DIR/jwks.json" \
      env "${TLS_ENV[@]}" \
      setsid nohup nice -n "$niceness" node --disable-warning=DEP0123 --require @kuayu/telemetry/register "services/$name/dist/main.js" \
      >".data/logs/$name.log" 2>&1 < /dev/null &
    echo $! > "$(pidfile "$name")"
    # Wait until it answers its gRPC health check (or died).
    for _ in $(seq 1 120); do
      if grep -q '"SERVING"' <<<"$(grpcurl "${GRPCURL_TLS[@]}" -max-time 1 "127.0.0.1:$grpc" grpc.health.v1.Health/Check 2>/dev/null)"; then break; fi
      alive "$name" || { echo "services: $name exited; last log lines:" >&2; tail -n 20 ".data/logs/$name.log" >&2; exit 1; }
      sleep 0.5
    done
    echo "services: $name  gRPC 127.0.0.1:$grpc (mutual TLS)  metrics http://127.0.0.1:$metrics/metrics  log .data/logs/$name.log"
  done
  start_http console "$CONSOLE_URL/healthz" \
    env CONSOLE_PORT="$CONSOLE_PORT" CONSOLE_HOST=127.0.0.1 PUBLIC_URL="$CONSOLE_URL" OIDC_ISSUER="$IDP_URL" \
    OIDC_CLIENT_SECRET_FILE="$KUAYU_ROOT/.secrets/console-client-secret" SESSION_KEY_FILE="$KUAYU_ROOT/.secrets/console-session-key" \
    JWT_PRIVATE_KEY_FILE="$KUAYU_ROOT/.secrets/jwt-private.pem" \
    TLS_CA_FILE="$TLS_DIR/ca.pem" TLS_CERT_FILE="$TLS_DIR/client.pem" TLS_KEY_FILE="$TLS_DIR/client-key.pem" NODE_EXTRA_CA_CERTS="$TLS_DIR/ca.pem" \
    OTEL_SERVICE_NAME=console node --disable-warning=DEP0123 --require @kuayu/telemetry/register services/console/dist/main.js
  echo "services: console  $CONSOLE_URL  (sign in as clerk, specialist, supervisor-bj or supervisor-spc; password kuayu-dev; public: $CONSOLE_URL/verify)  log .data/logs/console.log"
}

down() {
  printf 'console\n%s\ndev-idp\n' "$SERVICES" | while read -r name _; do
    [ -n "$name" ] || continue
    if alive "$name"; then
      pid=$(cat "$(pidfile "$name")")
      kill -TERM "$pid"
      for _ in $(seq 1 60); do kill -0 "$pid" 2>/dev/null || break; sleep 0.5; done
      kill -0 "$pid" 2>/dev/null && kill -KILL "$pid"
      echo "services: $name stopped"
    fi
    rm -f "$(pidfile "$name")"
  done
}

status() {
  printf 'dev-idp\n%s\nconsole\n' "$SERVICES" | while read -r name grpc _; do
    [ -n "$name" ] || continue
    if alive "$name"; then echo "services: $name running (pid $(cat "$(pidfile "$name")")${grpc:+, gRPC 127.0.0.1:$grpc})"; else echo "services: $name stopped"; fi
  done
}

case "${1:-}" in
  up) up ;; down) down ;; status) status ;;
  *) echo "usage: services.sh up|down|status" >&2; exit 2 ;;
esac
