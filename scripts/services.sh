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

pidfile() { echo ".data/pids/svc-$1.pid"; }
alive() { [ -f "$(pidfile "$1")" ] && kill -0 "$(cat "$(pidfile "$1")")" 2>/dev/null; }

up() {
  echo "$SERVICES" | while read -r name grpc metrics; do
    [ -n "$name" ] || continue
    if alive "$name"; then echo "services: $name already running"; continue; fi
    [ -f "services/$name/dist/main.js" ] || { echo "services: $name is not built (run make build)" >&2; exit 1; }
    # Only decision signs tokens (to fetch materials from intake as the jurisdiction court).
    extra=""
    [ "$name" = decision ] && extra="JWT_PRIVATE_KEY_FILE=$KUAYU_ROOT/.secrets/jwt-private.pem"
    GRPC_PORT=$grpc METRICS_PORT=$metrics OTEL_SERVICE_NAME=$name \
      JWT_PUBLIC_KEY_FILE="$KUAYU_ROOT/.secrets/jwt-public.pem" \
      ${extra:+env "$extra"} \
      setsid nohup node --require @kuayu/telemetry/register "services/$name/dist/main.js" \
      >".data/logs/$name.log" 2>&1 < /dev/null &
    echo $! > "$(pidfile "$name")"
    # Wait until it answers its gRPC health check (or died).
    for _ in $(seq 1 120); do
      if grep -q '"SERVING"' <<<"$(grpcurl -plaintext -max-time 1 "127.0.0.1:$grpc" grpc.health.v1.Health/Check 2>/dev/null)"; then break; fi
      alive "$name" || { echo "services: $name exited; last log lines:" >&2; tail -n 20 ".data/logs/$name.log" >&2; exit 1; }
      sleep 0.5
    done
    echo "services: $name  gRPC 127.0.0.1:$grpc  metrics http://127.0.0.1:$metrics/metrics  log .data/logs/$name.log"
  done
}

down() {
  echo "$SERVICES" | while read -r name _; do
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
  echo "$SERVICES" | while read -r name grpc _; do
    [ -n "$name" ] || continue
    if alive "$name"; then echo "services: $name running (pid $(cat "$(pidfile "$name")"), gRPC 127.0.0.1:$grpc)"; else echo "services: $name stopped"; fi
  done
}

case "${1:-}" in
  up) up ;; down) down ;; status) status ;;
  *) echo "usage: services.sh up|down|status" >&2; exit 2 ;;
esac
