#!/usr/bin/env bash
# Chart checks for `make test`. For every example values file deploy/*.yaml and every
# charts/kuayu/tests/good-values/*.yaml:
#   helm lint --strict; helm template; strict validation of the rendered manifests against
#   Kubernetes' own JSON schemas (kubernetes-validate, offline); assert-rendered.py (probes, limits,
#   security context, PDB, HPA, PROVINCE_SCOPE, the holiday calendar's mount … for every enabled
#   component; the web console's /healthz probes, Secret mounts, OIDC settings and Ingress;
#   supervision in the national and every province release; the token keys — JWT_PUBLIC_KEY_FILE
#   listing every mounted key, JWT_TRUST as tokens.trust with its ConfigMaps mounted read-only,
#   JWT_MAX_LIFETIME; the event keys — EVENT_KEYS_FILE and EVENT_TRUST in every Kafka component,
#   EVENT_SIGNING_KEY_FILE with only its own key in each producer, none in notification or the console;
#   KafkaTopic, PrometheusRule and Grafana
#   dashboard fields); and calendar-reload.py: with other calendar.years (or the first ones) the
#   Deployments render the same, so a calendar change is a reload in the running pods, never a restart.
# Then every charts/kuayu/tests/bad-values/*.yaml must be rejected by helm, with the message on
# its "# expect:" line. One line per check; the last line is "chart: N passed, M failed".
#   KUBE_VERSION=1.34.0 bash scripts/chart/check.sh
set -uo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../env.sh"
cd "$KUAYU_ROOT"

KUBE_VERSION=${KUBE_VERSION:-1.34.0}
CHART=charts/kuayu
PY=.tools/chart-venv/bin/python
VALIDATE=("$PY" -m kubernetes_validate)

bash scripts/chart/install.sh || { echo "FAIL  install chart tools"; echo "chart: 0 passed, 1 failed"; exit 1; }

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
passed=0
failed=0

# check NAME CMD... — runs CMD, prints one line, and on failure the tail of its output.
check() {
  local name=$1; shift
  if "$@" >"$work/out" 2>&1; then
    echo "ok    $name"; passed=$((passed + 1))
  else
    echo "FAIL  $name"; tail -n 20 "$work/out" | sed 's/^/      /'; failed=$((failed + 1)); return 1
  fi
}

# Strict validation against Kubernetes' schemas. A kind without a schema is only a warning there,
# which would let a removed apiVersion through: any such warning fails, except for Strimzi's
# KafkaTopic, KafkaUser, the Prometheus Operator's PrometheusRule and cert-manager's Certificate (CRDs
# with no schema offline;
# assert-rendered.py checks their fields).
validate() {
  "${VALIDATE[@]}" --strict --kubernetes-version "$KUBE_VERSION" --quiet "$1" >"$work/validate.out" 2>&1
  local rc=$?
  grep -v -e "Couldn't find schema for kind KafkaTopic with api version kafka.strimzi.io/" \
    -e "Couldn't find schema for kind KafkaUser with api version kafka.strimzi.io/" \
    -e "Couldn't find schema for kind PrometheusRule with api version monitoring.coreos.com/v1 " \
    -e "Couldn't find schema for kind Certificate with api version cert-manager.io/v1 " \
    "$work/validate.out" >"$work/validate.rest"
  cat "$work/validate.rest"
  [ "$rc" -eq 0 ] && [ ! -s "$work/validate.rest" ]
}

render() { helm template "$1" "$CHART" -f "$2" --kube-version "$KUBE_VERSION" >"$3"; }

# The same release with other calendar.years renders the same Deployments (a reload, no restart).
reloads() {
  local name=$1 file=$2 rendered=$3
  "$PY" scripts/chart/calendar-reload.py swap "$file" "$work/swapped.yaml" &&
    render "$name" "$work/swapped.yaml" "$work/swapped.rendered.yaml" &&
    "$PY" scripts/chart/calendar-reload.py same "$rendered" "$work/swapped.rendered.yaml"
}

# A province-44 release's Kafka users (deploy/province-44-guangdong.yaml with kafka.users.create):
# Read on kuayu.filing.lifecycle-44.v1 only (Write on its .dlq), and the producers (intake,
# decision) Write on all 32 lifecycle topics, notification and supervision on none; routing has no
# Kafka user (it uses no Kafka).
province_acls() {
  helm template p44 "$CHART" -f deploy/province-44-guangdong.yaml --set kafka.users.create=true --kube-version "$KUBE_VERSION" >"$work/p44.yaml" &&
    "$PY" - "$work/p44.yaml" <<'PY'
import sys, yaml
users = {d["metadata"]["name"]: d["spec"]["authorization"]["acls"] for d in yaml.safe_load_all(open(sys.argv[1])) if d and d["kind"] == "KafkaUser"}
lifecycle = [f"kuayu.filing.lifecycle-{c}.v1" for c in "00 11 12 13 14 15 21 22 23 31 32 33 34 35 36 37 41 42 43 44 45 46 50 51 52 53 54 61 62 63 64 65".split()]
def topics(acls, op):
    return sorted(a["resource"]["name"] for a in acls if a["resource"]["type"] == "topic" and op in a["operations"] and "lifecycle" in a["resource"]["name"])
bad = []
if sorted(users) != ["p44-decision", "p44-intake", "p44-notification", "p44-supervision"]:
    bad.append(f"users {sorted(users)}")
for user, acls in users.items():
    producer = user in ("p44-intake", "p44-decision")
    want = {
        "Read": ["kuayu.filing.lifecycle-44.v1"],
        "Write": sorted(["kuayu.filing.lifecycle-44.v1.dlq"] + (lifecycle if producer else [])),
        "Describe": sorted(lifecycle + [t + ".dlq" for t in lifecycle]) if producer else ["kuayu.filing.lifecycle-44.v1", "kuayu.filing.lifecycle-44.v1.dlq"],
    }
    for op, names in want.items():
        if topics(acls, op) != names:
            bad.append(f"{user}: {op} on {topics(acls, op)}, expected {names}")
print("\n".join(bad) or f"{len(users)} users: Read on lifecycle-44 only")
sys.exit(1 if bad else 0)
PY
}

# Rejected by helm, and for the reason its "# expect:" line gives (not some other mistake).
rejects() {
  local file=$1 expect
  expect=$(sed -n 's/^# expect: //p' "$file" | head -n 1)
  [ -n "$expect" ] || { echo "$file has no '# expect: <message>' line"; return 1; }
  if helm template bad "$CHART" -f "$file" --kube-version "$KUBE_VERSION" >"$work/bad.out" 2>&1; then
    echo "accepted, but should be rejected with: $expect"; return 1
  fi
  grep -qF -- "$expect" "$work/bad.out" || { echo "rejected for another reason (expected: $expect):"; cat "$work/bad.out"; return 1; }
}

examples=(deploy/*.yaml)
[ -e "${examples[0]}" ] || { echo "FAIL  no example values in deploy/"; echo "chart: 0 passed, 1 failed"; exit 1; }
good=("$CHART"/tests/good-values/*.yaml)
[ -e "${good[0]}" ] || { echo "FAIL  no files in $CHART/tests/good-values"; failed=$((failed + 1)); good=(); }

check "lint $CHART (defaults)" helm lint --strict "$CHART" --kube-version "$KUBE_VERSION"
for f in "${examples[@]}" "${good[@]}"; do
  name="kuayu-$(basename "$f" .yaml)"
  out="$work/$(basename "$f" .yaml).rendered.yaml"
  check "lint $f" helm lint --strict "$CHART" -f "$f" --kube-version "$KUBE_VERSION"
  if check "template $f (Kubernetes $KUBE_VERSION)" render "$name" "$f" "$out"; then
    check "kubernetes schemas (strict) $f" validate "$out"
    check "assert $f" "$PY" scripts/chart/assert-rendered.py "$out" "$f"
    if ! grep -q '^ *existingConfigMap: *[^ "#]' "$f"; then
      check "calendar change without restart $f" reloads "$name" "$f" "$out"
    fi
  fi
done

check "province 44 reads only its lifecycle topic, writes all (KafkaUsers)" province_acls

bad=("$CHART"/tests/bad-values/*.yaml)
[ -e "${bad[0]}" ] || { echo "FAIL  no files in $CHART/tests/bad-values"; failed=$((failed + 1)); }
for f in "${bad[@]}"; do
  [ -e "$f" ] && check "rejects $f" rejects "$f"
done

echo "chart: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
