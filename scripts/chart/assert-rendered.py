"""Asserts what every Kuayu release must have, on the output of `helm template`.

    assert-rendered.py RENDERED.yaml VALUES.yaml

For every enabled component (chart defaults merged with VALUES): a Deployment with gRPC startup,
readiness and liveness probes on its gRPC port, resource requests and limits, non-root, read-only
root filesystem, no privilege escalation, all capabilities dropped, /tmp as an emptyDir, a grace
period longer than preStop + SHUTDOWN_GRACE_MS, PROVINCE_SCOPE (as set in VALUES) in its
environment, MONGO_URI only from a Secret; and a Service, ServiceAccount, ConfigMap,
NetworkPolicy (admitting networkPolicy.grpcFrom and its own grpcFrom on the gRPC port),
PodDisruptionBudget and HorizontalPodAutoscaler that select or target it.
Components that sign tokens (signsTokens) get JWT_PRIVATE_KEY_FILE from secrets.jwtPrivateKey,
mounted read-only and not world-readable; no other component sees that Secret. Components that call
intakes (callsIntakes) get a well-formed INTAKE_ADDRS with a "*" entry (and this release's intake
for its own provinces unless VALUES say otherwise). Consumer groups are distinct within the release
and, in a province release, end with the scope's codes. A province release (provinceScope a list)
runs jurisdiction-decision, notification and supervision (the province's supervision platform); the
national release (the one that creates the backbone's topics) runs supervision for scope "all".
Supervision, wherever it runs, reads its own database (MONGO_DB kuayu_supervision, MONGO_URI from
the Secret) and the backbone (KAFKA_BROKERS, its own consumer group supervision[-<codes>]), and a
component with an httpPort (supervision's JSON API) has HTTP_PORT set, a container port and a
Service port "http", and its NetworkPolicy admits the gRPC peers on it.
Components that send messages (sendsMessages: notification) get SMTP_USER / SMTP_PASS from
secrets.smtp and SMS_TOKEN from secrets.sms as secretKeyRef when those are named (SMS_ACCESS_KEY_SECRET
instead with SMS_PROVIDER aliyun or tencent, and then the ConfigMap of smsTemplates mounted read-only
at SMS_TEMPLATES_FILE), SMS_TOKEN whenever SMS_URL is set; no other component gets them. No component allows plain-http loopback webhooks
(WEBHOOK_ALLOW_LOOPBACK_HTTP).
Every component mounts the holiday calendar's ConfigMap (calendar.existingConfigMap, or the chart's
<release>-calendar, whose calendar.json must be {"years": calendar.years}) read-only as a directory
— never subPath, which never sees the ConfigMap's updates — with CALENDAR_FILE in that directory
and CALENDAR_POLL_MS = calendar.pollMs, and no pod annotation follows the calendar (a changed
calendar is reloaded, never a restart).
Every gRPC component verifies tokens: JWT_PUBLIC_KEY_FILE lists exactly the keys of
secrets.jwtPublicKey.keys, each on a read-only mount of that Secret, and no key of it is mounted
unlisted; JWT_TRUST is tokens.trust entry by entry (<provinces>=<https jwksUrl>, or the file of the
entry's ConfigMap key on a read-only directory mount — never subPath — under /etc/kuayu/trust),
absent when tokens.trust is empty, and no pod annotation follows those ConfigMaps; JWT_MAX_LIFETIME
is tokens.maxLifetime.
Signed events: every Kafka component has EVENT_KEYS_FILE, the key of events.keys' ConfigMap
(<release>-event-keys by default) on a read-only directory mount at /etc/kuayu/event-keys (never
subPath), and EVENT_TRUST exactly as events.trust (URLs https, ConfigMaps as directories under
/etc/kuayu/event-trust); exactly the producing components (intake, jurisdiction-decision,
supervision, with Kafka) have signsEvents and EVENT_SIGNING_KEY_FILE on a read-only, not
world-readable mount of events.signingKeys.secretName holding one item, their own
<producer>-key.pem; notification and the console have no event private key (the console no EVENT_*
at all), and no pod annotation follows the event keys.
Every gRPC component has OIDC_ISSUER, OIDC_JWKS_URL, OIDC_AUDIENCE exactly as oidc.* (none without
an issuer) and, with the console on, a NetworkPolicy that admits the console's pods on its gRPC port.
The web console (components.console, HTTP only): startup, readiness and liveness probes GET /healthz
on its HTTP port, no gRPC port; the security context, resources and grace as above; CONSOLE_PORT,
PUBLIC_URL, OIDC_ISSUER, its OIDC client and exactly the addresses of its calls in its ConfigMap, no
Kafka or MongoDB setting; OIDC_CLIENT_SECRET_FILE and SESSION_KEY_FILE on two read-only, not
world-readable mounts of secrets.oidcClientSecret and secrets.sessionKey; the signing key as the
components that sign tokens have it exactly when its signsTokens is on (/verify's public tokens),
TRUSTED_PROXY_HOPS 1 behind its Ingress, and notification's DOCUMENT_VERIFY_URL its publicUrl/verify; a Service port http, its
NetworkPolicy admitting httpFrom, HPA and PDB; and an Ingress (host, backend, TLS, class,
annotations) exactly when ingress.enabled.
KafkaTopic and PrometheusRule resources (CRDs; no schema offline) get their fields checked here:
every alert of the chart (the 30-minute SLA, consumer lag, dead letters, forged events, transient
retries, the outbox, webhook receivers, the holiday calendar) with its metric. With monitoring.grafanaDashboard on, one ConfigMap
labelled grafana_dashboard: "1" holds the dashboard JSON, with a panel on each of those metrics.
Mutual TLS (tls.enabled): every pod, the console's too, has TLS_CA_FILE, TLS_CERT_FILE and
TLS_KEY_FILE on a read-only, not world-readable mount of tls.secretName (ca.crt, tls.crt, tls.key),
NODE_EXTRA_CA_CERTS = TLS_CA_FILE,
and the gRPC components' probes ask the plaintext health port (GRPC_HEALTH_PORT = tls.healthPort);
with tls.certManager.issuerRef one cert-manager Certificate writes that Secret for the release's
Service names. With TLS off, none of it.
Prints each problem and exits 1 if there is any. Run with .tools/chart-venv/bin/python (PyYAML).
"""
import datetime
import json
import os
import posixpath
import re
import sys

import yaml

rendered_path, values_path = sys.argv[1], sys.argv[2]
root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
defaults = yaml.safe_load(open(os.path.join(root, "charts/kuayu/values.yaml")))
values = yaml.safe_load(open(values_path)) or {}
docs = [d for d in yaml.safe_load_all(open(rendered_path)) if d]
problems = []


def problem(msg):
    problems.append(msg)


def by_kind(kind):
    return {d["metadata"]["name"]: d for d in docs if d["kind"] == kind}


def merged(base, over):
    """Helm's merge of a values file over the chart's defaults: maps deeply, anything else replaced."""
    if isinstance(base, dict) and isinstance(over, dict):
        return {k: merged(base.get(k), over[k]) if k in over else base[k] for k in {**base, **over}}
    return over


v = merged(defaults, values)
topic_prefix = v["kafka"].get("topicPrefix") or ""
scope_list = v["provinceScope"] if isinstance(v["provinceScope"], list) else None
scope = ",".join(scope_list) if scope_list else v["provinceScope"]


def check_signing(where, pod, c, env, signs):
    """The signing key: only where the component signs tokens, from the Secret, read-only."""
    signing = v["secrets"]["jwtPrivateKey"]
    signing_vols = [vol for vol in pod.get("volumes", []) if vol.get("secret", {}).get("secretName") == signing["name"]]
    if signs:
        key_file = env.get("JWT_PRIVATE_KEY_FILE")
        mount = next((m for m in c.get("volumeMounts", []) if key_file and key_file.startswith(m["mountPath"].rstrip("/") + "/")), None)
        vol = next((x for x in pod.get("volumes", []) if mount and x["name"] == mount["name"]), None)
        secret = (vol or {}).get("secret", {})
        item = next((i for i in secret.get("items", []) if key_file and i["path"] == key_file[len(mount["mountPath"].rstrip("/")) + 1 :]), None)
        if not key_file:
            problem(f"{where}: signs tokens but has no JWT_PRIVATE_KEY_FILE")
        elif not mount:
            problem(f"{where}: JWT_PRIVATE_KEY_FILE {key_file} is on no volume mount")
        elif not mount.get("readOnly"):
            problem(f"{where}: JWT_PRIVATE_KEY_FILE {key_file} is not on a read-only mount")
        elif secret.get("secretName") != signing["name"] or not item or item["key"] != signing["key"]:
            problem(f"{where}: JWT_PRIVATE_KEY_FILE {key_file} is not key {signing['key']} of Secret {signing['name']}")
        elif secret.get("defaultMode", 0o644) & 0o007:
            problem(f"{where}: the signing key is readable by every user (defaultMode {oct(secret.get('defaultMode', 0o644))})")
    else:
        if "JWT_PRIVATE_KEY_FILE" in env:
            problem(f"{where}: JWT_PRIVATE_KEY_FILE set, but it does not sign tokens")
        if signing_vols and signing["name"] != v["secrets"]["jwtPublicKey"]["name"]:
            problem(f"{where}: mounts the signing key Secret {signing['name']}, but it does not sign tokens")


# The web console (HTTP, no gRPC) is checked on its own, after the gRPC components.
console_on = bool(v["components"].get("console", {}).get("enabled"))
enabled = sorted(name for name, c in v["components"].items() if c.get("enabled") and name != "console")
oidc = v.get("oidc") or {}
if scope_list and "jurisdiction-decision" not in enabled:
    problem(f"province release (scope {scope}) without jurisdiction-decision: its courts would get no inbox")
if scope_list and "notification" not in enabled:
    problem(f"province release (scope {scope}) without notification: its courts would get no notifications, reminders or documents")
if scope_list and "supervision" not in enabled:
    problem(f"province release (scope {scope}) without supervision: its high court would get no indicators, overdue lists or notices")
if v["topics"]["create"] and "supervision" not in enabled:
    problem("the national release (topics.create) without supervision: no national supervision platform")
groups = {}
kafka_users_wanted = {}  # username → (principal, consumer group), of the enabled Kafka components
deployments, configmaps = by_kind("Deployment"), by_kind("ConfigMap")


def plain(x):
    """Values as JSON sees them: keys as strings, YAML dates (an unquoted 2099-01-01) as text."""
    if isinstance(x, dict):
        return {str(k): plain(val) for k, val in x.items()}
    if isinstance(x, list):
        return [plain(val) for val in x]
    if isinstance(x, (datetime.date, datetime.datetime)):
        return x.isoformat()
    return x


tls_on = bool(v["tls"]["enabled"])
# The components that produce events, and their producer name (the key <producer>-key.pem in
# events.signingKeys.secretName; libs/topics/src/signing.ts EVENT_PRODUCERS).
EVENT_PRODUCERS = {"intake": "intake", "jurisdiction-decision": "decision", "supervision": "supervision"}


def container_env(c):
    env = {}
    for ref in c.get("envFrom", []):
        env.update((configmaps.get(ref.get("configMapRef", {}).get("name")) or {}).get("data", {}))
    for e in c.get("env", []):
        env[e["name"]] = e.get("value", e.get("valueFrom"))
    return env


def check_tls(where, pod, c, health):
    """TLS on: TLS_CA_FILE, TLS_CERT_FILE, TLS_KEY_FILE are ca.crt, tls.crt, tls.key of one read-only,
    not world-readable mount of tls.secretName (and GRPC_HEALTH_PORT = tls.healthPort on gRPC
    components). TLS off: none of them."""
    env = container_env(c)
    names = ("TLS_CA_FILE", "TLS_CERT_FILE", "TLS_KEY_FILE")
    if not tls_on:
        for n in names + ("GRPC_HEALTH_PORT", "NODE_EXTRA_CA_CERTS"):
            if n in env:
                problem(f"{where}: {n} is set, but tls.enabled is false")
        return
    secret_name = v["tls"]["secretName"] or f"{release}-tls"
    for n, key in zip(names, ("ca.crt", "tls.crt", "tls.key")):
        f = env.get(n) or ""
        mount = next((m for m in c.get("volumeMounts", []) if f.startswith(m["mountPath"].rstrip("/") + "/")), None)
        secret = next((x.get("secret", {}) for x in pod.get("volumes", []) if mount and x["name"] == mount["name"]), {})
        items = {i["path"]: i["key"] for i in secret.get("items", [])}
        if not mount or not mount.get("readOnly") or mount.get("subPath"):
            problem(f"{where}: {n} {f!r} is not on a read-only Secret mount")
        elif secret.get("secretName") != secret_name or items.get(posixpath.basename(f)) != key:
            problem(f"{where}: {n} {f} is not key {key} of Secret {secret_name}")
        elif secret.get("defaultMode", 0o644) & 0o007:
            problem(f"{where}: {n} is readable by every user (defaultMode {oct(secret.get('defaultMode', 0o644))})")
    if env.get("NODE_EXTRA_CA_CERTS") != env.get("TLS_CA_FILE"):
        problem(f"{where}: NODE_EXTRA_CA_CERTS is {env.get('NODE_EXTRA_CA_CERTS')!r}, expected TLS_CA_FILE (Node's HTTPS clients trust the CA)")
    if health and env.get("GRPC_HEALTH_PORT") != str(v["tls"]["healthPort"]):
        problem(f"{where}: GRPC_HEALTH_PORT is {env.get('GRPC_HEALTH_PORT')!r}, expected {v['tls']['healthPort']}")


calendar = v["calendar"]
release = next((d["metadata"]["labels"].get("app.kubernetes.io/instance") for d in deployments.values()), None)
calendar_cm = calendar.get("existingConfigMap") or f"{release}-calendar"
if release and not calendar.get("existingConfigMap"):
    cm = configmaps.get(calendar_cm)
    if cm is None:
        problem(f"calendar: ConfigMap {calendar_cm} is not rendered")
    elif set(cm.get("data", {})) != {"calendar.json"}:
        problem(f"calendar: ConfigMap {calendar_cm} holds {sorted(cm.get('data', {}))}, expected calendar.json only")
    else:
        try:
            content = json.loads(cm["data"]["calendar.json"])
        except ValueError as err:
            content = None
            problem(f"calendar: {calendar_cm} calendar.json is not JSON: {err}")
        if content is not None and content != {"years": plain(calendar.get("years") or {})}:
            problem(f"calendar: {calendar_cm} calendar.json is {content}, expected {{'years': calendar.years}}")
elif calendar.get("existingConfigMap") and any(cm["metadata"].get("labels", {}).get("app.kubernetes.io/component") == "calendar" for cm in configmaps.values()):
    problem("calendar: existingConfigMap is set, but the chart renders its own calendar ConfigMap too")
if not enabled:
    problem("no component is enabled")
if len(deployments) != len(enabled) + console_on:
    problem(f"expected {len(enabled) + console_on} Deployments ({', '.join(enabled + ['console'] * console_on)}), found {sorted(deployments)}")

mongo_secrets = {}  # component → the Secret of its MONGO_URI
for name in enabled:
    dep = next((d for d in deployments.values() if d["metadata"]["labels"].get("app.kubernetes.io/component") == name), None)
    if dep is None:
        problem(f"{name}: no Deployment")
        continue
    full = dep["metadata"]["name"]
    where = f"{name} ({full})"
    pod = dep["spec"]["template"]["spec"]
    labels = dep["spec"]["template"]["metadata"]["labels"]
    selector = dep["spec"]["selector"]["matchLabels"]
    c = pod["containers"][0]
    ports = {p["name"]: p["containerPort"] for p in c.get("ports", [])}
    # With TLS on, the probes ask the plaintext health port (Kubernetes' gRPC probes do no TLS).
    probe_port = ports.get("health") if tls_on else ports.get("grpc")
    if tls_on and ports.get("health") != v["tls"]["healthPort"]:
        problem(f"{where}: TLS is on but there is no container port health {v['tls']['healthPort']} ({ports})")
    for probe in ("startupProbe", "readinessProbe", "livenessProbe"):
        port = c.get(probe, {}).get("grpc", {}).get("port")
        if port is None or port != probe_port:
            problem(f"{where}: {probe} is not a gRPC probe on the {'health' if tls_on else 'gRPC'} port ({c.get(probe)})")
    check_tls(where, pod, c, health=True)
    if c.get("readinessProbe", {}).get("grpc", {}).get("service") != "readiness":
        problem(f"{where}: the readiness probe does not ask for the health service 'readiness' (store and broker)")
    if c.get("livenessProbe", {}).get("grpc", {}).get("service"):
        problem(f"{where}: the liveness probe must ask for the server itself, not a dependency check")
    res = c.get("resources", {})
    for kind in ("requests", "limits"):
        for r in ("cpu", "memory"):
            if r not in res.get(kind, {}):
                problem(f"{where}: no resources.{kind}.{r}")
    psc, csc = pod.get("securityContext", {}), c.get("securityContext", {})
    if not (csc.get("runAsNonRoot", psc.get("runAsNonRoot")) is True):
        problem(f"{where}: runAsNonRoot is not true")
    if psc.get("runAsUser", 0) == 0 and csc.get("runAsUser", 0) == 0:
        problem(f"{where}: no non-zero runAsUser")
    if csc.get("readOnlyRootFilesystem") is not True:
        problem(f"{where}: readOnlyRootFilesystem is not true")
    if csc.get("allowPrivilegeEscalation") is not False:
        problem(f"{where}: allowPrivilegeEscalation is not false")
    if "ALL" not in csc.get("capabilities", {}).get("drop", []):
        problem(f"{where}: capabilities are not all dropped")
    tmp = next((m for m in c.get("volumeMounts", []) if m["mountPath"] == "/tmp"), None)
    vol = next((v for v in pod.get("volumes", []) if tmp and v["name"] == tmp["name"]), None)
    if not vol or "emptyDir" not in vol:
        problem(f"{where}: /tmp is not an emptyDir")

    env = {}
    secret_vars = ("MONGO_URI", "JWT_PUBLIC_KEY", "JWT_PRIVATE_KEY", "KAFKA_SASL_PASSWORD", "SMTP_USER", "SMTP_PASS", "SMS_TOKEN", "SMS_ACCESS_KEY_SECRET")
    for ref in c.get("envFrom", []):
        cm = configmaps.get(ref.get("configMapRef", {}).get("name"))
        if cm is None:
            problem(f"{where}: envFrom names a ConfigMap that is not rendered")
        else:
            env.update(cm.get("data", {}))
            # A secret in the ConfigMap leaks even where a secretKeyRef of the same name wins.
            for var in sorted(set(cm.get("data", {})) & set(secret_vars)):
                problem(f"{where}: {var} is in its ConfigMap {cm['metadata']['name']}")
    for e in c.get("env", []):
        env[e["name"]] = e.get("value", e.get("valueFrom"))
    if env.get("PROVINCE_SCOPE") != scope:
        problem(f"{where}: PROVINCE_SCOPE is {env.get('PROVINCE_SCOPE')!r}, expected {scope!r}")
    for secret in secret_vars:
        if secret in env and not (isinstance(env[secret], dict) and "secretKeyRef" in env[secret]):
            problem(f"{where}: {secret} is not taken from a Secret")
    if "MONGO_DB" in env and "MONGO_URI" not in env:
        problem(f"{where}: MONGO_DB without MONGO_URI")
    cv = v["components"][name]
    # Least privilege in the store: MONGO_URI from the component's own Secret (mongo.uriSecret), no other component's.
    if isinstance(env.get("MONGO_URI"), dict):
        ref = env["MONGO_URI"].get("secretKeyRef", {})
        want = (cv.get("mongo") or {}).get("uriSecret") or {}
        if (ref.get("name"), ref.get("key")) != (want.get("name"), want.get("key")):
            problem(f"{where}: MONGO_URI from Secret {ref.get('name')}/{ref.get('key')}, expected its own mongo.uriSecret {want.get('name')}/{want.get('key')}")
        if ref.get("name") in mongo_secrets.values():
            problem(f"{where}: MONGO_URI shares the Secret {ref.get('name')} with {[n for n, s in mongo_secrets.items() if s == ref.get('name')]}")
        mongo_secrets[name] = ref.get("name")

    # Token keys. This release's: JWT_PUBLIC_KEY_FILE lists exactly the keys of
    # secrets.jwtPublicKey.keys, each a file of that Secret on a read-only mount, and every key of
    # that Secret mounted into the pod is listed. Other releases': JWT_TRUST is tokens.trust entry by
    # entry (<provinces>=<jwksUrl>, or the file of its ConfigMap's key on a read-only directory
    # mount, never subPath). JWT_MAX_LIFETIME is tokens.maxLifetime.
    def on_mount(path):
        """(mount, volume, key) of the file at path: its volume mount, the volume, the key it shows."""
        mount = next((m for m in c.get("volumeMounts", []) if path.startswith(m["mountPath"].rstrip("/") + "/")), None)
        vol = next((x for x in pod.get("volumes", []) if mount and x["name"] == mount["name"]), None)
        if not vol:
            return mount, None, None
        rel = path[len(mount["mountPath"].rstrip("/")) + 1 :]
        source = vol.get("secret") or vol.get("configMap") or {}
        items = {i["path"]: i["key"] for i in source.get("items", [])}
        return mount, vol, items.get(rel) if items else rel

    pub, tokens = v["secrets"]["jwtPublicKey"], v["tokens"]
    key_files = [f for f in (env.get("JWT_PUBLIC_KEY_FILE") or "").split(",") if f]
    listed = []
    for f in key_files:
        mount, vol, key = on_mount(f)
        if not vol or vol.get("secret", {}).get("secretName") != pub["name"] or key is None:
            problem(f"{where}: JWT_PUBLIC_KEY_FILE {f} is not a key of Secret {pub['name']} ({vol})")
        elif not mount.get("readOnly") or mount.get("subPath"):
            problem(f"{where}: JWT_PUBLIC_KEY_FILE {f} is not on a read-only directory mount")
        else:
            listed.append(key)
    if listed != list(pub["keys"]) and len(listed) == len(key_files):
        problem(f"{where}: JWT_PUBLIC_KEY_FILE {env.get('JWT_PUBLIC_KEY_FILE')!r} gives the keys {listed}, secrets.jwtPublicKey.keys {pub['keys']}")
    for m in c.get("volumeMounts", []):
        vol = next((x for x in pod.get("volumes", []) if x["name"] == m["name"]), {})
        if vol.get("secret", {}).get("secretName") != pub["name"]:
            continue
        items = vol["secret"].get("items")
        if not items:
            problem(f"{where}: Secret {pub['name']} is mounted whole at {m['mountPath']}: mount its keys (secrets.jwtPublicKey.keys) one by one")
        for i in items or []:
            f = f"{m['mountPath'].rstrip('/')}/{i['path']}"
            signing_key = pub["name"] == v["secrets"]["jwtPrivateKey"]["name"] and i["key"] == v["secrets"]["jwtPrivateKey"]["key"]
            if f not in key_files and not signing_key:
                problem(f"{where}: key {i['key']} of Secret {pub['name']} is mounted at {f} but not in JWT_PUBLIC_KEY_FILE")
    def check_trust(var, trust, trust_dir, field):
        """var is the trust list entry by entry (<provinces>=<https jwksUrl>, or the file of the
        entry's ConfigMap key on a read-only directory mount under trust_dir, never subPath), absent
        when the list is empty; no ConfigMap under trust_dir that no entry reads."""
        entries = [e for e in re.split(r"[\s,]+", env.get(var) or "") if e]
        if not trust and var in env:
            problem(f"{where}: {var} {env[var]!r} set, but {field} is empty")
        if len(entries) != len(trust):
            problem(f"{where}: {var} has {len(entries)} entries ({env.get(var)!r}), {field} {len(trust)}")
        trust_volumes = set()
        for i, (t, entry) in enumerate(zip(trust, entries)):
            provinces, _, source = entry.partition("=")
            if provinces != t["provinces"]:
                problem(f"{where}: {var} entry {i} {entry!r} is for provinces {provinces!r}, {field}[{i}] for {t['provinces']!r}")
            if t.get("jwksUrl"):
                if source != t["jwksUrl"] or not source.startswith("https://"):
                    problem(f"{where}: {var} entry {i} {entry!r}, expected the https URL {t['jwksUrl']}")
                continue
            cm = t["configMap"]
            mount, vol, key = on_mount(source)
            if not source.startswith(trust_dir + "/") or not vol or vol.get("configMap", {}).get("name") != cm["name"] or key != cm["key"]:
                problem(f"{where}: {var} entry {i} {entry!r} is not key {cm['key']} of ConfigMap {cm['name']} under {trust_dir} ({vol})")
            elif mount.get("subPath") or mount.get("subPathExpr"):
                problem(f"{where}: {field}[{i}] ConfigMap {cm['name']} is mounted with subPath: the pod would never see its updates")
            elif not mount.get("readOnly"):
                problem(f"{where}: {field}[{i}] ConfigMap {cm['name']} is not mounted read-only ({mount['mountPath']})")
            else:
                trust_volumes.add(vol["name"])
        for m in c.get("volumeMounts", []):
            vol = next((x for x in pod.get("volumes", []) if x["name"] == m["name"]), {})
            if "configMap" in vol and m["name"] not in trust_volumes and m["mountPath"].startswith(trust_dir + "/"):
                problem(f"{where}: ConfigMap {vol['configMap'].get('name')} is mounted at {m['mountPath']} but no {var} entry reads it")

    check_trust("JWT_TRUST", tokens.get("trust") or [], "/etc/kuayu/trust", "tokens.trust")
    if env.get("JWT_MAX_LIFETIME") != tokens["maxLifetime"]:
        problem(f"{where}: JWT_MAX_LIFETIME is {env.get('JWT_MAX_LIFETIME')!r}, tokens.maxLifetime {tokens['maxLifetime']!r}")
    for key in dep["spec"]["template"]["metadata"].get("annotations", {}):
        if "trust" in key:
            problem(f"{where}: pod annotation {key} follows the trusted keys: a new key of another release would restart the pods")

    # Signed events. Every Kafka component verifies: EVENT_KEYS_FILE is the key of events.keys'
    # ConfigMap on a read-only directory mount (never subPath: a rotation's new key must land), and
    # EVENT_TRUST is events.trust entry by entry. Exactly the producers (intake,
    # jurisdiction-decision as "decision", supervision) sign: EVENT_SIGNING_KEY_FILE on a read-only,
    # not world-readable mount of events.signingKeys.secretName holding that one item, their own
    # <producer>-key.pem. No other component (notification) sees that Secret or any EVENT_* setting
    # it should not have; no pod annotation follows the event keys.
    ev = v["events"]
    keys_cm = ev["keys"]["configMap"]["name"] or f"{release}-event-keys"
    signing_secret = ev["signingKeys"]["secretName"] or f"{release}-event-signing"
    kafka_on = bool(cv["kafka"].get("enabled"))
    if kafka_on:
        f = env.get("EVENT_KEYS_FILE") or ""
        mount, vol, key = on_mount(f) if f else (None, None, None)
        if not f:
            problem(f"{where}: a Kafka component without EVENT_KEYS_FILE: it would verify no event")
        elif not vol or vol.get("configMap", {}).get("name") != keys_cm or key != ev["keys"]["configMap"]["key"]:
            problem(f"{where}: EVENT_KEYS_FILE {f} is not key {ev['keys']['configMap']['key']} of ConfigMap {keys_cm} ({vol})")
        elif mount.get("subPath") or mount.get("subPathExpr") or not mount.get("readOnly") or mount["mountPath"] != "/etc/kuayu/event-keys":
            problem(f"{where}: EVENT_KEYS_FILE {f} is not on a read-only directory mount at /etc/kuayu/event-keys ({mount})")
        check_trust("EVENT_TRUST", ev.get("trust") or [], "/etc/kuayu/event-trust", "events.trust")
    else:
        for var in ("EVENT_KEYS_FILE", "EVENT_TRUST", "EVENT_SIGNING_KEY_FILE"):
            if var in env:
                problem(f"{where}: {var} set, but it has no Kafka (kafka.enabled false)")
    producer = EVENT_PRODUCERS.get(name)
    if bool(cv.get("signsEvents")) != bool(producer):
        problem(f"{where}: signsEvents is {bool(cv.get('signsEvents'))}, but {'it produces events: consumers would refuse them unsigned' if producer else 'it produces no events: it must hold no event private key'}")
    ev_signing_vols = [x for x in pod.get("volumes", []) if x.get("secret", {}).get("secretName") == signing_secret]
    if producer and kafka_on:
        f = env.get("EVENT_SIGNING_KEY_FILE") or ""
        mount, vol, key = on_mount(f) if f else (None, None, None)
        secret = (vol or {}).get("secret", {})
        want = f"{producer}-key.pem"
        if not f:
            problem(f"{where}: produces events but has no EVENT_SIGNING_KEY_FILE")
        elif not vol or secret.get("secretName") != signing_secret or key != want:
            problem(f"{where}: EVENT_SIGNING_KEY_FILE {f} is not key {want} of Secret {signing_secret} ({vol})")
        elif [i["key"] for i in secret.get("items", [])] != [want]:
            problem(f"{where}: the event-signing mount holds {[i['key'] for i in secret.get('items', [])]}, expected its own key {want} only")
        elif not mount.get("readOnly") or mount.get("subPath"):
            problem(f"{where}: EVENT_SIGNING_KEY_FILE {f} is not on a read-only mount")
        elif secret.get("defaultMode", 0o644) & 0o007:
            problem(f"{where}: its event-signing key is readable by every user (defaultMode {oct(secret.get('defaultMode', 0o644))})")
        if len(ev_signing_vols) != 1:
            problem(f"{where}: {len(ev_signing_vols)} volumes of Secret {signing_secret}, expected its own key's one")
    else:
        if "EVENT_SIGNING_KEY_FILE" in env:
            problem(f"{where}: EVENT_SIGNING_KEY_FILE set, but it {'produces no events' if not producer else 'has no Kafka'}")
        if ev_signing_vols:
            problem(f"{where}: mounts the event-signing Secret {signing_secret}, but it {'produces no events' if not producer else 'has no Kafka'}")
    for key in dep["spec"]["template"]["metadata"].get("annotations", {}):
        if "event" in key:
            problem(f"{where}: pod annotation {key} follows the event keys: a new key would restart the pods")

    # Personal data at rest: exactly the components that keep parties' data (intake,
    # jurisdiction-decision, notification) have FIELDCRYPT_MASTER_KEY_DIR on a read-only directory
    # mount (never subPath: a new master key must land) of secrets.fieldcryptMasterKeys, not readable
    # by every user, and FIELDCRYPT_ALGORITHM from personalData; no other component mounts that Secret.
    fc_secret = v["secrets"]["fieldcryptMasterKeys"]["name"]
    fc_vols = [x for x in pod.get("volumes", []) if x.get("secret", {}).get("secretName") == fc_secret]
    if name in ("intake", "jurisdiction-decision", "notification"):
        d = env.get("FIELDCRYPT_MASTER_KEY_DIR") or ""
        mount = next((m for m in c.get("volumeMounts", []) if d and m["mountPath"].rstrip("/") == d.rstrip("/")), None)
        vol = next((x for x in pod.get("volumes", []) if mount and x["name"] == mount["name"]), None)
        if not cv.get("encryptsPersonalData"):
            problem(f"{where}: keeps parties' data but encryptsPersonalData is not set")
        elif not mount or not vol or vol.get("secret", {}).get("secretName") != fc_secret:
            problem(f"{where}: FIELDCRYPT_MASTER_KEY_DIR {d!r} is not a mount of Secret {fc_secret}")
        elif not mount.get("readOnly") or mount.get("subPath") or vol["secret"].get("items"):
            problem(f"{where}: the master keys are not a read-only mount of the whole Secret ({mount})")
        elif vol["secret"].get("defaultMode", 0o644) & 0o007:
            problem(f"{where}: its master keys are readable by every user")
        if env.get("FIELDCRYPT_ALGORITHM") != v["personalData"]["algorithm"]:
            problem(f"{where}: FIELDCRYPT_ALGORITHM is {env.get('FIELDCRYPT_ALGORITHM')!r}, personalData.algorithm {v['personalData']['algorithm']!r}")
    elif fc_vols or "FIELDCRYPT_MASTER_KEY_DIR" in env:
        problem(f"{where}: mounts the master keys of personal data, but keeps no parties' data")

    # The holiday calendar: a read-only directory mount of its ConfigMap (never subPath), reloaded.
    cal_file = env.get("CALENDAR_FILE")
    cal_mount = next((m for m in c.get("volumeMounts", []) if cal_file and m["mountPath"].rstrip("/") == posixpath.dirname(cal_file)), None)
    cal_vol = next((x for x in pod.get("volumes", []) if cal_mount and x["name"] == cal_mount["name"]), None)
    cal_source = (cal_vol or {}).get("configMap", {})
    cal_items = {i["path"]: i["key"] for i in cal_source.get("items", [])}
    if not cal_file:
        problem(f"{where}: no CALENDAR_FILE")
    elif not cal_mount:
        problem(f"{where}: CALENDAR_FILE {cal_file} is on no directory mount")
    elif cal_mount.get("subPath") or cal_mount.get("subPathExpr"):
        problem(f"{where}: the calendar is mounted with subPath: the pod would never see the ConfigMap's updates")
    elif not cal_mount.get("readOnly"):
        problem(f"{where}: the calendar mount {cal_mount['mountPath']} is not read-only")
    elif cal_source.get("name") != calendar_cm:
        problem(f"{where}: CALENDAR_FILE {cal_file} is not on ConfigMap {calendar_cm} ({cal_vol})")
    elif cal_items.get(posixpath.basename(cal_file), posixpath.basename(cal_file) if not cal_items else None) != "calendar.json":
        problem(f"{where}: CALENDAR_FILE {cal_file} is not key calendar.json of ConfigMap {calendar_cm}")
    if env.get("CALENDAR_POLL_MS") != str(calendar["pollMs"]):
        problem(f"{where}: CALENDAR_POLL_MS is {env.get('CALENDAR_POLL_MS')!r}, calendar.pollMs {calendar['pollMs']}")
    for key in dep["spec"]["template"]["metadata"].get("annotations", {}):
        if "calendar" in key:
            problem(f"{where}: pod annotation {key} follows the calendar: a calendar change would restart the pods instead of a reload")

    check_signing(where, pod, c, env, cv.get("signsTokens"))
    if name == "notification" and cv.get("sealsDocuments") and console_on and v["components"]["console"].get("publicUrl"):
        want = v["components"]["console"]["publicUrl"].rstrip("/") + "/verify"
        if env.get("DOCUMENT_VERIFY_URL") != want:
            problem(f"{where}: DOCUMENT_VERIFY_URL is {env.get('DOCUMENT_VERIFY_URL')!r}, expected the console's {want!r} (the QR code on every notice)")

    # E-mail and SMS credentials: from the Secrets named in secrets.smtp / secrets.sms, and only in
    # components that send messages.
    def secret_ref(var):
        return (env.get(var) or {}).get("secretKeyRef") if isinstance(env.get(var), dict) else None

    wanted = {}
    # SMS through a provider's SDK (aliyun, tencent): the secret is its key, and the templates are mounted.
    sms_sdk = (cv.get("settings") or {}).get("SMS_PROVIDER") in ("aliyun", "tencent")
    if cv.get("sendsMessages"):
        smtp, sms = v["secrets"].get("smtp") or {}, v["secrets"].get("sms") or {}
        if smtp.get("name"):
            wanted.update(SMTP_USER=(smtp["name"], smtp["userKey"]), SMTP_PASS=(smtp["name"], smtp["passwordKey"]))
        if sms.get("name"):
            wanted["SMS_ACCESS_KEY_SECRET" if sms_sdk else "SMS_TOKEN"] = (sms["name"], sms["key"])
    for var in ("SMTP_USER", "SMTP_PASS", "SMS_TOKEN", "SMS_ACCESS_KEY_SECRET"):
        ref = secret_ref(var)
        if var in wanted and (not ref or (ref.get("name"), ref.get("key")) != wanted[var]):
            problem(f"{where}: {var} is not key {wanted[var][1]} of Secret {wanted[var][0]} ({env.get(var)})")
        elif var not in wanted and var in env:
            problem(f"{where}: {var} set, but {'secrets.smtp/sms does not name it' if cv.get('sendsMessages') else 'it does not send messages'}")
    if env.get("SMS_URL") and "SMS_TOKEN" not in env:
        problem(f"{where}: SMS_URL without SMS_TOKEN (the service refuses to start)")
    sms_file = env.get("SMS_TEMPLATES_FILE")
    if cv.get("sendsMessages") and v.get("smsTemplates"):
        mount = next((m for m in c.get("volumeMounts", []) if sms_file and m["mountPath"].rstrip("/") == posixpath.dirname(sms_file)), None)
        vol = next((x for x in pod.get("volumes", []) if mount and x["name"] == mount["name"]), None)
        source = (vol or {}).get("configMap", {})
        rendered = configmaps.get(source.get("name"), {}).get("data", {}).get("templates.json")
        if not sms_file or not mount or not mount.get("readOnly"):
            problem(f"{where}: the SMS templates are not mounted read-only at SMS_TEMPLATES_FILE ({sms_file})")
        elif rendered is None or json.loads(rendered) != v["smsTemplates"]:
            problem(f"{where}: SMS_TEMPLATES_FILE is not smsTemplates as JSON (ConfigMap {source.get('name')})")
        if not sms_sdk:
            problem(f"{where}: smsTemplates without SMS_PROVIDER aliyun or tencent")
    elif sms_file:
        problem(f"{where}: SMS_TEMPLATES_FILE set, but {'smsTemplates is empty' if cv.get('sendsMessages') else 'it does not send messages'}")
    if str(env.get("WEBHOOK_ALLOW_LOOPBACK_HTTP", "false")).lower() != "false":
        problem(f"{where}: WEBHOOK_ALLOW_LOOPBACK_HTTP is {env['WEBHOOK_ALLOW_LOOPBACK_HTTP']!r}: webhooks must be https only in a release")

    # INTAKE_ADDRS: 44=host:port,…,*=host:port; the release's own intake for its provinces by default.
    if cv.get("callsIntakes"):
        raw = env.get("INTAKE_ADDRS") or ""
        pairs = [p.split("=") for p in raw.split(",")] if raw else []
        addrs = {p[0]: p[1] for p in pairs if len(p) == 2}
        if not raw or len(addrs) != len(pairs):
            problem(f"{where}: INTAKE_ADDRS {raw!r} is not a list of code=host:port")
        for code, addr in addrs.items():
            if not re.fullmatch(r"[0-9]{2}|\*", code) or not re.fullmatch(r"[^:\s,=]+:[0-9]+", addr):
                problem(f"{where}: INTAKE_ADDRS entry {code}={addr} is not <code or *>=host:port")
        if "*" not in addrs:
            problem(f"{where}: INTAKE_ADDRS {raw!r} has no '*' entry")
        explicit = {str(k): a for k, a in (v.get("intakeAddresses") or {}).items()}
        if v["components"]["intake"].get("enabled"):
            own = f"{next((d['metadata']['name'] for d in deployments.values() if d['metadata']['labels'].get('app.kubernetes.io/component') == 'intake'), '?')}:{v['components']['intake']['grpcPort']}"
            for code in scope_list or ["*"]:
                want = explicit.get(code, own)
                if addrs.get(code) != want:
                    problem(f"{where}: INTAKE_ADDRS gives {code}={addrs.get(code)}, expected {want}")
        for code, addr in explicit.items():
            if addrs.get(code) != addr:
                problem(f"{where}: INTAKE_ADDRS gives {code}={addrs.get(code)}, but intakeAddresses says {addr}")
    elif "INTAKE_ADDRS" in env:
        problem(f"{where}: INTAKE_ADDRS set, but it does not call intakes")

    # Its own Kafka user (SASL) and the brokers' TLS: the CA and the client certificate on read-only mounts.
    if cv["kafka"].get("enabled"):
        kv, principal = v["kafka"], cv["kafka"].get("principal") or name
        if kv["sasl"]["enabled"]:
            want_user = (kv["sasl"].get("userPrefix") or "") + principal
            ref = (env.get("KAFKA_SASL_PASSWORD") or {}).get("secretKeyRef", {}) if isinstance(env.get("KAFKA_SASL_PASSWORD"), dict) else {}
            if env.get("KAFKA_SASL_USERNAME") != want_user:
                problem(f"{where}: KAFKA_SASL_USERNAME is {env.get('KAFKA_SASL_USERNAME')!r}, expected {want_user!r}")
            if ref != {"name": kv["sasl"]["secretName"], "key": principal}:
                problem(f"{where}: KAFKA_SASL_PASSWORD is not Secret {kv['sasl']['secretName']}/{principal} ({ref})")
            kafka_users_wanted[want_user] = (principal, env.get("KAFKA_GROUP_ID") or f"{cv['kafka'].get('serviceGroupPrefix')}-{scope.replace(',', '-')}")
        elif "KAFKA_SASL_USERNAME" in env or "KAFKA_SASL_PASSWORD" in env:
            problem(f"{where}: Kafka credentials although kafka.sasl.enabled is false")
        if env.get("KAFKA_TLS") != str(bool(kv["tls"])).lower():
            problem(f"{where}: KAFKA_TLS is {env.get('KAFKA_TLS')!r}, kafka.tls {kv['tls']}")
        for var, secret in (("KAFKA_TLS_CA_FILE", kv.get("tlsCa", {}).get("name")), ("KAFKA_TLS_CERT_FILE", kv.get("tlsClientCert", {}).get("name")), ("KAFKA_TLS_KEY_FILE", kv.get("tlsClientCert", {}).get("name"))):
            want = bool(kv["tls"] and secret)
            mount = next((m for m in c.get("volumeMounts", []) if env.get(var, "").startswith(m["mountPath"] + "/")), None)
            vol = next((x for x in pod.get("volumes", []) if mount and x["name"] == mount["name"]), None)
            if want != (var in env):
                problem(f"{where}: {var} {'missing' if want else 'set'} (kafka.tls {kv['tls']}, Secret {secret!r})")
            elif want and not (mount and mount.get("readOnly") and (vol or {}).get("secret", {}).get("secretName") == secret):
                problem(f"{where}: {var} {env.get(var)} is not on a read-only mount of Secret {secret}")

    # Consumer group: KAFKA_GROUP_ID, or the one the service derives (serviceGroupPrefix-<codes>).
    if cv["kafka"].get("enabled"):
        if env.get("KAFKA_TOPIC_PREFIX", "") != topic_prefix:
            problem(f"{where}: KAFKA_TOPIC_PREFIX is {env.get('KAFKA_TOPIC_PREFIX', '')!r}, kafka.topicPrefix {topic_prefix!r}")
        prefix = cv["kafka"].get("serviceGroupPrefix")
        group = env.get("KAFKA_GROUP_ID") or (f"{prefix}-{scope.replace(',', '-')}" if prefix else None)
        if not group:
            problem(f"{where}: no consumer group (KAFKA_GROUP_ID unset and no serviceGroupPrefix)")
        else:
            if group in groups:
                problem(f"{where}: consumer group {group} is also {groups[group]}'s")
            groups[group] = name
            suffix = "-" + "-".join(scope_list or [])
            base = group[: -len(suffix)] if scope_list and group.endswith(suffix) else None
            if scope_list and (not base or re.search(r"(^|-)[0-9]{2}$", base)):
                problem(f"{where}: consumer group {group} is not <name>{suffix} (this scope's codes only)")

    # supervision: its own database and consumer group, the backbone.
    if name == "supervision":
        want_group = "supervision" + ("-" + "-".join(scope_list) if scope_list else "")
        if env.get("MONGO_DB") != "kuayu_supervision" or not isinstance(env.get("MONGO_URI"), dict):
            problem(f"{where}: MONGO_DB is {env.get('MONGO_DB')!r} (expected kuayu_supervision) with MONGO_URI {env.get('MONGO_URI')!r} (expected a secretKeyRef)")
        if cv["kafka"].get("groupId") in (None, "") and env.get("KAFKA_GROUP_ID") != want_group:
            problem(f"{where}: KAFKA_GROUP_ID is {env.get('KAFKA_GROUP_ID')!r}, expected {want_group}")
        if env.get("KAFKA_BROKERS") != ",".join(v["kafka"]["brokers"]):
            problem(f"{where}: KAFKA_BROKERS is {env.get('KAFKA_BROKERS')!r}, kafka.brokers {v['kafka']['brokers']}")

    # An HTTP API (httpPort): HTTP_PORT, a container port and a Service port "http", admitted like gRPC.
    if cv.get("httpPort"):
        hp = cv["httpPort"]
        if env.get("HTTP_PORT") != str(hp) or ports.get("http") != hp:
            problem(f"{where}: httpPort {hp}, but HTTP_PORT is {env.get('HTTP_PORT')!r} and the container port http is {ports.get('http')}")

    grace_ms = int(env.get("SHUTDOWN_GRACE_MS", "25000"))
    pre_stop = c.get("lifecycle", {}).get("preStop", {}).get("exec", {}).get("command", [])
    pre_stop_s = int(pre_stop[1]) if pre_stop[:1] == ["sleep"] else 0
    if pod.get("terminationGracePeriodSeconds", 30) * 1000 <= grace_ms + pre_stop_s * 1000:
        problem(f"{where}: terminationGracePeriodSeconds does not exceed preStop + SHUTDOWN_GRACE_MS")

    def selects(doc_selector):
        return bool(doc_selector) and all(labels.get(k) == v for k, v in doc_selector.items())

    if not selects(selector):
        problem(f"{where}: selector does not match the pod labels")
    pdbs = [p for p in docs if p["kind"] == "PodDisruptionBudget" and selects(p["spec"]["selector"].get("matchLabels"))]
    if len(pdbs) != 1:
        problem(f"{where}: {len(pdbs)} PodDisruptionBudgets select it, expected 1")
    hpas = [h for h in docs if h["kind"] == "HorizontalPodAutoscaler" and h["spec"]["scaleTargetRef"] == {"apiVersion": "apps/v1", "kind": "Deployment", "name": full}]
    if len(hpas) != 1:
        problem(f"{where}: {len(hpas)} HorizontalPodAutoscalers target it, expected 1")
    elif "replicas" in dep["spec"]:
        problem(f"{where}: spec.replicas is set while an HPA scales it")
    services = [s for s in docs if s["kind"] == "Service" and selects(s["spec"].get("selector"))]
    if len(services) != 1 or ports.get("grpc") not in [p.get("port") for p in services[0]["spec"]["ports"]]:
        problem(f"{where}: no single Service exposing its gRPC port")
    if pod.get("serviceAccountName") not in by_kind("ServiceAccount"):
        problem(f"{where}: its ServiceAccount is not rendered")
    policies = [n for n in docs if n["kind"] == "NetworkPolicy" and selects(n["spec"]["podSelector"].get("matchLabels"))]
    if not policies:
        problem(f"{where}: no NetworkPolicy selects it")
    grpc_peers = [peer for n in policies for rule in n["spec"].get("ingress", []) if ports.get("grpc") in [p.get("port") for p in rule.get("ports", [])] for peer in rule.get("from", [])]
    for peer in (v["networkPolicy"].get("grpcFrom") or []) + (cv.get("grpcFrom") or []):
        if policies and peer not in grpc_peers:
            problem(f"{where}: its NetworkPolicy does not admit {peer} on the gRPC port")
    if cv.get("httpPort"):
        if len(services) == 1 and not any(p.get("name") == "http" and p.get("port") == cv["httpPort"] for p in services[0]["spec"]["ports"]):
            problem(f"{where}: its Service does not expose the HTTP API on port {cv['httpPort']}")
        http_peers = [peer for n in policies for rule in n["spec"].get("ingress", []) if cv["httpPort"] in [p.get("port") for p in rule.get("ports", [])] for peer in rule.get("from", [])]
        if policies and http_peers != grpc_peers:
            problem(f"{where}: its NetworkPolicy admits {http_peers} on the HTTP port, expected the gRPC peers {grpc_peers}")

    # The identity provider (oidc.*): each variable exactly when set; the console's calls admitted.
    for var, key in (("OIDC_ISSUER", "issuer"), ("OIDC_JWKS_URL", "jwksUrl"), ("OIDC_AUDIENCE", "audience")):
        want = (oidc.get(key) or None) if oidc.get("issuer") else None
        if env.get(var) != want:
            problem(f"{where}: {var} is {env.get(var)!r}, expected {want!r} (oidc.{key})")
    console_labels = {"app.kubernetes.io/instance": release, "app.kubernetes.io/component": "console"}
    if console_on and policies and not any(
        set(peer) == {"podSelector"} and all(console_labels.get(k) == val for k, val in peer["podSelector"].get("matchLabels", {}).items())
        for peer in grpc_peers
    ):
        problem(f"{where}: its NetworkPolicy does not admit the console's pods on the gRPC port")

# The web console: HTTP probes on /healthz, its two Secrets as read-only files, the OIDC settings,
# the addresses of the services it calls, no store or broker; Service, NetworkPolicy, HPA, PDB; an
# Ingress exactly when ingress.enabled.
ingresses = [d for d in docs if d["kind"] == "Ingress"]
if console_on:
    cv = v["components"]["console"]
    dep = next((d for d in deployments.values() if d["metadata"]["labels"].get("app.kubernetes.io/component") == "console"), None)
    if dep is None:
        problem("console: no Deployment")
    else:
        full, where = dep["metadata"]["name"], f"console ({dep['metadata']['name']})"
        pod = dep["spec"]["template"]["spec"]
        labels = dep["spec"]["template"]["metadata"]["labels"]
        c = pod["containers"][0]
        ports = {p["name"]: p["containerPort"] for p in c.get("ports", [])}
        if ports.get("http") != cv["httpPort"] or "grpc" in ports:
            problem(f"{where}: container ports {ports}, expected http {cv['httpPort']} and no grpc")
        check_tls(where, pod, c, health=False)
        for probe in ("startupProbe", "readinessProbe", "livenessProbe"):
            get = c.get(probe, {}).get("httpGet", {})
            if get.get("path") != "/healthz" or get.get("port") not in ("http", cv["httpPort"]) or "grpc" in c.get(probe, {}):
                problem(f"{where}: {probe} is not GET /healthz on the HTTP port ({c.get(probe)})")
        res, csc = c.get("resources", {}), c.get("securityContext", {})
        if any(r not in res.get(kind, {}) for kind in ("requests", "limits") for r in ("cpu", "memory")):
            problem(f"{where}: resources without cpu and memory requests and limits")
        if not (csc.get("runAsNonRoot") and csc.get("readOnlyRootFilesystem") and csc.get("allowPrivilegeEscalation") is False and "ALL" in csc.get("capabilities", {}).get("drop", [])):
            problem(f"{where}: container securityContext is not non-root, read-only, no escalation, all capabilities dropped")
        env = {}
        for ref in c.get("envFrom", []):
            env.update((configmaps.get(ref.get("configMapRef", {}).get("name")) or {}).get("data", {}))
        for e in c.get("env", []):
            env[e["name"]] = e.get("value", e.get("valueFrom"))
        want_env = {
            "CONSOLE_PORT": str(cv["httpPort"]),
            "PUBLIC_URL": cv["publicUrl"].rstrip("/"),
            "OIDC_ISSUER": oidc.get("issuer"),
            "OIDC_CLIENT_ID": cv["oidcClient"]["id"],
            "OIDC_SCOPES": cv["oidcClient"]["scopes"],
            "OIDC_RESOURCE": cv["oidcClient"].get("resource") or None,
        }
        addr_vars = {"intake": "INTAKE_ADDR", "routing": "DIRECTORY_ADDR", "jurisdiction-decision": "DECISION_ADDR", "notification": "NOTIFICATION_ADDR", "supervision": "SUPERVISION_ADDR"}
        for target, var in addr_vars.items():
            t = v["components"].get(target) or {}
            in_release = f"{release}-{target}:{t['grpcPort']}" if t.get("enabled") else v.get("externalAddresses", {}).get(target)
            want_env[var] = in_release if target in cv["calls"] else None
        for var, want in want_env.items():
            if env.get(var) != want:
                problem(f"{where}: {var} is {env.get(var)!r}, expected {want!r}")
        if not want_env["OIDC_ISSUER"] or not want_env["PUBLIC_URL"].startswith("https://"):
            problem(f"{where}: rendered without oidc.issuer or with a PUBLIC_URL that is not https")
        for var in sorted(env):
            if var.startswith(("KAFKA_", "MONGO_")) or var in ("OIDC_CLIENT_SECRET", "SESSION_KEY"):
                problem(f"{where}: {var} is set (the console has no store or broker, and its secrets are files)")
        # No event key of any kind: the console neither produces nor consumes events.
        for var in sorted(env):
            if var.startswith("EVENT_"):
                problem(f"{where}: {var} is set (the console has no events)")
        ev_secret = v["events"]["signingKeys"]["secretName"] or f"{release}-event-signing"
        if any(x.get("secret", {}).get("secretName") == ev_secret for x in pod.get("volumes", [])):
            problem(f"{where}: mounts the event-signing Secret {ev_secret}")
        mounts = {}
        for var, ref in (("OIDC_CLIENT_SECRET_FILE", v["secrets"]["oidcClientSecret"]), ("SESSION_KEY_FILE", v["secrets"]["sessionKey"])):
            f = env.get(var) or ""
            mount = next((m for m in c.get("volumeMounts", []) if f.startswith(m["mountPath"].rstrip("/") + "/")), None)
            secret = next((x.get("secret", {}) for x in pod.get("volumes", []) if mount and x["name"] == mount["name"]), {})
            items = {i["path"]: i["key"] for i in secret.get("items", [])}
            if not mount or not mount.get("readOnly") or mount.get("subPath"):
                problem(f"{where}: {var} {f!r} is not on a read-only Secret mount")
            elif secret.get("secretName") != ref["name"] or items.get(posixpath.basename(f)) != ref["key"]:
                problem(f"{where}: {var} {f} is not key {ref['key']} of Secret {ref['name']}")
            elif secret.get("defaultMode", 0o644) & 0o007:
                problem(f"{where}: {var} is readable by every user (defaultMode {oct(secret.get('defaultMode', 0o644))})")
            mounts[var] = mount and mount["name"]
        if len(set(mounts.values())) != 2:
            problem(f"{where}: the client secret and the session key are not two mounts ({mounts})")
        # /verify's public tokens: the release's signing key, read-only, exactly when signsTokens.
        check_signing(where, pod, c, env, cv.get("signsTokens"))
        if cv.get("ingress", {}).get("enabled") and env.get("TRUSTED_PROXY_HOPS") != "1":
            problem(f"{where}: behind its Ingress, TRUSTED_PROXY_HOPS is {env.get('TRUSTED_PROXY_HOPS')!r}, not '1': /verify would count the ingress's address for every visitor")
        grace_ms = int(env.get("SHUTDOWN_GRACE_MS", "10000"))
        pre_stop = c.get("lifecycle", {}).get("preStop", {}).get("exec", {}).get("command", [])
        pre_stop_s = int(pre_stop[1]) if pre_stop[:1] == ["sleep"] else 0
        if pod.get("terminationGracePeriodSeconds", 30) * 1000 <= grace_ms + pre_stop_s * 1000:
            problem(f"{where}: terminationGracePeriodSeconds does not exceed preStop + SHUTDOWN_GRACE_MS")

        def selects(doc_selector):
            return bool(doc_selector) and all(labels.get(k) == val for k, val in doc_selector.items())

        services = [x for x in docs if x["kind"] == "Service" and selects(x["spec"].get("selector"))]
        if len(services) != 1 or not any(p.get("name") == "http" and p.get("port") == cv["httpPort"] for p in services[0]["spec"]["ports"]):
            problem(f"{where}: no single Service with port http {cv['httpPort']}")
        for kind, on in (("PodDisruptionBudget", cv["pdb"]["enabled"]), ("HorizontalPodAutoscaler", cv["autoscaling"]["enabled"])):
            n = len([x for x in docs if x["kind"] == kind and (selects(x["spec"].get("selector", {}).get("matchLabels")) or x["spec"].get("scaleTargetRef", {}).get("name") == full)])
            if n != (1 if on else 0):
                problem(f"{where}: {n} {kind}s, expected {1 if on else 0}")
        if v["networkPolicy"]["enabled"]:
            policies = [x for x in docs if x["kind"] == "NetworkPolicy" and selects(x["spec"]["podSelector"].get("matchLabels"))]
            http_peers = [peer for x in policies for rule in x["spec"].get("ingress", []) if cv["httpPort"] in [p.get("port") for p in rule.get("ports", [])] for peer in rule.get("from", [])]
            if not policies:
                problem(f"{where}: no NetworkPolicy selects it")
            for peer in cv.get("httpFrom") or []:
                if peer not in http_peers:
                    problem(f"{where}: its NetworkPolicy does not admit {peer} on the HTTP port")
        ing = cv.get("ingress") or {}
        if ing.get("enabled"):
            host = ing.get("host") or re.sub(r"^https://([^/:]+).*$", r"\1", cv["publicUrl"])
            if len(ingresses) != 1:
                problem(f"{where}: ingress.enabled, but {len(ingresses)} Ingresses are rendered")
            for x in ingresses:
                spec = x["spec"]
                backends = [p["backend"]["service"] for r in spec.get("rules", []) for p in r.get("http", {}).get("paths", [])]
                if [r.get("host") for r in spec.get("rules", [])] != [host]:
                    problem(f"Ingress {x['metadata']['name']}: hosts {[r.get('host') for r in spec.get('rules', [])]}, expected [{host}]")
                if not backends or any(b["name"] != full or b["port"] not in ({"name": "http"}, {"number": cv["httpPort"]}) for b in backends):
                    problem(f"Ingress {x['metadata']['name']}: backends {backends}, expected {full} port http")
                if ing.get("tlsSecret") and spec.get("tls") != [{"hosts": [host], "secretName": ing["tlsSecret"]}]:
                    problem(f"Ingress {x['metadata']['name']}: tls {spec.get('tls')}, expected {ing['tlsSecret']} for {host}")
                if (ing.get("className") or None) != spec.get("ingressClassName"):
                    problem(f"Ingress {x['metadata']['name']}: ingressClassName {spec.get('ingressClassName')!r}, expected {ing.get('className')!r}")
                for key, val in (ing.get("annotations") or {}).items():
                    if x["metadata"].get("annotations", {}).get(key) != val:
                        problem(f"Ingress {x['metadata']['name']}: no annotation {key}: {val}")
if ingresses and not (console_on and v["components"]["console"]["ingress"]["enabled"]):
    problem(f"{len(ingresses)} Ingresses rendered, but the console's ingress is not enabled")

# Strimzi KafkaTopic: the chart declares the backbone's topics (national release only).
topics_on = values.get("topics", {}).get("create", defaults["topics"]["create"])
topics = [d for d in docs if d["kind"] == "KafkaTopic"]
if topics_on and not topics:
    problem("topics.create is true but no KafkaTopic is rendered")
if not topics_on and topics:
    problem("topics.create is false but KafkaTopics are rendered")
names = {t["spec"].get("topicName") for t in topics}
for t in topics:
    spec, n = t["spec"], t["metadata"]["name"]
    if not t["apiVersion"].startswith("kafka.strimzi.io/"):
        problem(f"KafkaTopic {n}: apiVersion {t['apiVersion']}")
    if not t["metadata"].get("labels", {}).get("strimzi.io/cluster"):
        problem(f"KafkaTopic {n}: no strimzi.io/cluster label")
    if set(spec) - {"topicName", "partitions", "replicas", "config"}:
        problem(f"KafkaTopic {n}: unknown spec fields {sorted(set(spec) - {'topicName', 'partitions', 'replicas', 'config'})}")
    for field in ("partitions", "replicas"):
        if not isinstance(spec.get(field), int) or spec[field] < 1:
            problem(f"KafkaTopic {n}: spec.{field} is not a positive integer")
    if spec.get("topicName") != n:
        problem(f"KafkaTopic {n}: topicName differs from the resource name")
    if not n.startswith(topic_prefix):
        problem(f"KafkaTopic {n}: not in the release's topic namespace {topic_prefix!r}")
    if not n.endswith(".dlq") and f"{n}.dlq" not in names:
        problem(f"KafkaTopic {n}: no dead-letter topic {n}.dlq")
# One lifecycle topic per province code (libs/topics), one partition each; no single lifecycle topic.
acl_file = json.load(open(os.path.join(os.path.dirname(os.path.abspath(__file__)), "../../charts/kuayu/files/kafka-acls.json")))
province_codes = acl_file["provinces"]
if topics_on:
    partitions = {t["spec"]["topicName"]: t["spec"]["partitions"] for t in topics}
    for code in province_codes:
        n = f"{topic_prefix}kuayu.filing.lifecycle-{code}.v1"
        if partitions.get(n) != 1:
            problem(f"KafkaTopic {n}: partitions {partitions.get(n)}, expected 1 (one topic per province code)")
    if f"{topic_prefix}kuayu.filing.lifecycle.v1" in partitions:
        problem("the single lifecycle topic kuayu.filing.lifecycle.v1 is still rendered")

# Strimzi KafkaUser: one per Kafka component (kafka.users.create), its ACLs exactly the component's
# entry of files/kafka-acls.json with the release's topic prefix and its own consumer group, the
# templated topic names expanded ({province}: the release's scope, {any}: every province code) and
# the entries of one topic merged.
acl_table = acl_file["principals"]
acl_scope = scope_list or province_codes
OPERATIONS = ["Describe", "Read", "Write", "IdempotentWrite"]
kafka_users = {d["metadata"]["name"]: d for d in docs if d["kind"] == "KafkaUser"}
if v["kafka"].get("users", {}).get("create"):
    if set(kafka_users) != set(kafka_users_wanted):
        problem(f"KafkaUsers {sorted(kafka_users)}, expected {sorted(kafka_users_wanted)}")
    for user, (principal, group) in kafka_users_wanted.items():
        ku = kafka_users.get(user)
        if not ku:
            continue
        spec = ku["spec"]
        if spec["authentication"] != {"type": "scram-sha-512", "password": {"valueFrom": {"secretKeyRef": {"name": v["kafka"]["sasl"]["secretName"], "key": principal}}}}:
            problem(f"KafkaUser {user}: authentication {spec['authentication']}")
        got = sorted(json.dumps(a, sort_keys=True) for a in spec["authorization"]["acls"])
        want, topic_ops = [], {}
        for e in acl_table[principal]:
            if e["resource"] == "topic":
                codes = province_codes if "{any}" in e["name"] else acl_scope if "{province}" in e["name"] else [""]
                for code in codes:
                    n = topic_prefix + e["name"].replace("{any}", code).replace("{province}", code)
                    topic_ops.setdefault(n, set()).update(e["operations"])
                continue
            res = {"type": e["resource"]}
            if e["resource"] == "group":
                res.update(name=group, patternType="literal")
            want.append(json.dumps({"resource": res, "operations": e["operations"], "host": "*"}, sort_keys=True))
        for n, ops in topic_ops.items():
            res = {"type": "topic", "name": n, "patternType": "literal"}
            want.append(json.dumps({"resource": res, "operations": [o for o in OPERATIONS if o in ops], "host": "*"}, sort_keys=True))
        if got != sorted(want):
            problem(f"KafkaUser {user}: ACLs {got}, expected {sorted(want)}")
elif kafka_users:
    problem("kafka.users.create is false but KafkaUsers are rendered")

# PrometheusRule (Prometheus Operator): the calendar's alerts, when monitoring.prometheusRules is on.
rules_on = v["monitoring"]["prometheusRules"]["enabled"]
prometheus_rules = [d for d in docs if d["kind"] == "PrometheusRule"]
if rules_on and len(prometheus_rules) != 1:
    problem(f"monitoring.prometheusRules.enabled is true but {len(prometheus_rules)} PrometheusRules are rendered, expected 1")
if not rules_on and prometheus_rules:
    problem("monitoring.prometheusRules.enabled is false but a PrometheusRule is rendered")
alerts = {}
for pr in prometheus_rules:
    n = pr["metadata"]["name"]
    if pr["apiVersion"] != "monitoring.coreos.com/v1":
        problem(f"PrometheusRule {n}: apiVersion {pr['apiVersion']}")
    for label, val in (v["monitoring"]["prometheusRules"].get("labels") or {}).items():
        if pr["metadata"].get("labels", {}).get(label) != val:
            problem(f"PrometheusRule {n}: no label {label}={val} (monitoring.prometheusRules.labels)")
    if set(pr.get("spec", {})) != {"groups"}:
        problem(f"PrometheusRule {n}: spec fields {sorted(pr.get('spec', {}))}, expected groups")
    for g in pr.get("spec", {}).get("groups", []):
        if not g.get("name") or not g.get("rules"):
            problem(f"PrometheusRule {n}: a group without a name or rules")
        for r in g.get("rules", []):
            if set(r) - {"alert", "expr", "for", "labels", "annotations", "keep_firing_for"} or not r.get("alert") or not isinstance(r.get("expr"), str):
                problem(f"PrometheusRule {n}: rule {r.get('alert')} is not an alerting rule {{alert, expr, for, labels, annotations}}")
            if "for" in r and not re.fullmatch(r"([0-9]+(ms|s|m|h|d|w|y))+", str(r["for"])):
                problem(f"PrometheusRule {n}: rule {r.get('alert')}: for {r['for']!r} is not a duration")
            alerts[r.get("alert")] = r
wanted_alerts = {
    "KuayuCalendarEndsSoon": ("warning", "min(kuayu_calendar_official_until) - time() < 60 * 86400"),
    "KuayuCalendarProvisional": ("critical", "min(kuayu_calendar_official_until) - time() < 0"),
}
# The other alerts: each on its metric (the expressions are the chart's; the names must stay in step
# with the services, which libs/telemetry/test/metric-names.test.ts checks against the source).
metric_alerts = {
    "KuayuResponseOverdue": ("warning", 'kuayu_supervision_overdue_filings{for="response"}'),
    "KuayuResponseSlaBreaches": ("warning", 'kuayu_supervision_responses_total{within_30_minutes="false"}'),
    "KuayuConsumerLag": ("warning", "kuayu_consumer_lag"),
    "KuayuEventsDeadLettered": ("warning", "kuayu_consumer_dead_lettered_total"),
    "KuayuEventsForged": ("critical", "kuayu_consumer_forged_events_total"),
    "KuayuConsumerWaiting": ("warning", "kuayu_consumer_transient_retries_total"),
    "KuayuOutboxBacklog": ("critical", "kuayu_outbox_oldest_unpublished_seconds"),
    "KuayuOutboxParked": ("critical", "kuayu_outbox_parked_total"),
    "KuayuWebhookReceiverDown": ("warning", "kuayu_webhook_breakers_open"),
}
def uses(expr, metric):
    """The expression names the metric itself (kuayu_consumer_lag, not kuayu_consumer_lag_seconds)."""
    return re.search(re.escape(metric) + r"(?![A-Za-z0-9_:])", expr) is not None


for alert, (severity, metric) in metric_alerts.items() if rules_on else ():
    r = alerts.get(alert)
    if r is None:
        problem(f"PrometheusRule: no alert {alert}")
        continue
    if not uses(r["expr"], metric):
        problem(f"PrometheusRule: {alert} expr {r['expr']!r} does not use {metric}")
    if (r.get("labels") or {}).get("severity") != severity:
        problem(f"PrometheusRule: {alert} severity is {(r.get('labels') or {}).get('severity')!r}, expected {severity}")
    notes = r.get("annotations") or {}
    if not notes.get("summary") or "docs/operations.md" not in notes.get("description", ""):
        problem(f"PrometheusRule: {alert} needs a summary and a description that points at docs/operations.md")
    if v["monitoring"]["prometheusRules"].get("runbookUrl") and notes.get("runbook_url") != v["monitoring"]["prometheusRules"]["runbookUrl"]:
        problem(f"PrometheusRule: {alert} runbook_url is {notes.get('runbook_url')!r}")

# The Grafana dashboard: one ConfigMap for the sidecar, valid JSON, a panel on every alerted metric.
dash_on = v["monitoring"].get("grafanaDashboard", {}).get("enabled")
dash_cms = [cm for cm in configmaps.values() if cm["metadata"].get("labels", {}).get("grafana_dashboard") == "1"]
if dash_on and len(dash_cms) != 1:
    problem(f"monitoring.grafanaDashboard.enabled is true but {len(dash_cms)} ConfigMaps labelled grafana_dashboard: \"1\" are rendered, expected 1")
if not dash_on and dash_cms:
    problem("monitoring.grafanaDashboard.enabled is false but a dashboard ConfigMap is rendered")
panels = []
for cm in dash_cms:
    n = cm["metadata"]["name"]
    for label, val in (v["monitoring"]["grafanaDashboard"].get("labels") or {}).items():
        if cm["metadata"]["labels"].get(label) != val:
            problem(f"dashboard ConfigMap {n}: no label {label}={val} (monitoring.grafanaDashboard.labels)")
    try:
        dash = json.loads(cm["data"]["kuayu.json"])
    except (KeyError, ValueError) as err:
        problem(f"dashboard ConfigMap {n}: no valid kuayu.json ({err})")
        continue
    panels = [p for p in dash.get("panels", []) if p.get("type") != "row"]
    exprs = " ".join(t.get("expr", "") for p in panels for t in p.get("targets", []))
    for metric in sorted({m.split("{")[0] for _, m in metric_alerts.values()} | {"kuayu_supervision_filings_arrived_total", "kuayu_outbox_unpublished", "kuayu_calendar_official_until"}):
        if not uses(exprs, metric):
            problem(f"dashboard ConfigMap {n}: no panel on {metric}")
for alert, (severity, expr) in wanted_alerts.items() if rules_on else ():
    r = alerts.get(alert)
    if r is None:
        problem(f"PrometheusRule: no alert {alert}")
        continue
    if r["expr"].strip() != expr:
        problem(f"PrometheusRule: {alert} expr is {r['expr']!r}, expected {expr!r}")
    if (r.get("labels") or {}).get("severity") != severity:
        problem(f"PrometheusRule: {alert} severity is {(r.get('labels') or {}).get('severity')!r}, expected {severity}")
    notes = r.get("annotations") or {}
    if not notes.get("summary") or "The holiday calendar" not in notes.get("description", ""):
        problem(f"PrometheusRule: {alert} needs a summary and a description that points at the runbook (\"The holiday calendar\")")
    if v["monitoring"]["prometheusRules"].get("runbookUrl") and notes.get("runbook_url") != v["monitoring"]["prometheusRules"]["runbookUrl"]:
        problem(f"PrometheusRule: {alert} runbook_url is {notes.get('runbook_url')!r}")

# cert-manager's Certificate (a CRD; no schema offline): exactly when TLS is on with an issuerRef,
# writing the Secret the pods mount, for every enabled gRPC component's Service names, ECDSA P-256,
# as server and client certificate.
certificates = [d for d in docs if d["kind"] == "Certificate"]
issuer = (v["tls"].get("certManager") or {}).get("issuerRef") or {}
if tls_on and issuer.get("name"):
    if len(certificates) != 1:
        problem(f"tls: expected one cert-manager Certificate, found {len(certificates)}")
    else:
        spec = certificates[0]["spec"]
        if certificates[0]["apiVersion"] != "cert-manager.io/v1":
            problem(f"tls: Certificate apiVersion {certificates[0]['apiVersion']}, expected cert-manager.io/v1")
        if spec.get("secretName") != (v["tls"]["secretName"] or f"{release}-tls"):
            problem(f"tls: the Certificate writes Secret {spec.get('secretName')}, but the pods mount {v['tls']['secretName'] or release + '-tls'}")
        names = set(spec.get("dnsNames") or [])
        for name in enabled:
            if f"{release}-{name}" not in names:
                problem(f"tls: the Certificate does not name {release}-{name} (the address the release's clients dial)")
        for extra in v["tls"]["certManager"].get("extraDnsNames") or []:
            if extra not in names:
                problem(f"tls: the Certificate does not name {extra} (tls.certManager.extraDnsNames)")
        if not {"server auth", "client auth"} <= set(spec.get("usages") or []):
            problem(f"tls: the Certificate's usages {spec.get('usages')} lack server auth or client auth")
        if spec.get("privateKey", {}).get("algorithm") != "ECDSA" or spec.get("privateKey", {}).get("size") != 256:
            problem(f"tls: the Certificate's key is not ECDSA P-256 ({spec.get('privateKey')})")
        if spec.get("issuerRef") != issuer:
            problem(f"tls: the Certificate's issuerRef {spec.get('issuerRef')} is not tls.certManager.issuerRef {issuer}")
elif certificates:
    problem("tls: a Certificate is rendered without tls.enabled and tls.certManager.issuerRef")

for p in problems:
    print(p)
summary = f"{len(enabled)} components ({', '.join(enabled)}), console {'at ' + v['components']['console']['publicUrl'] if console_on else 'off'}{' (Ingress)' if ingresses else ''}, scope {scope}, {len(topics)} KafkaTopics, calendar {calendar_cm} ({', '.join(sorted(plain(calendar.get('years') or {}))) or 'no operator years'}), {len(alerts)} alerts, {len(panels)} dashboard panels, token keys {','.join(v['secrets']['jwtPublicKey']['keys'])}, trust {' '.join(t['provinces'] for t in v['tokens']['trust']) or 'none'}, event trust {' '.join(t['provinces'] for t in v['events']['trust']) or 'none'}, TLS {'on' + (' (cert-manager)' if certificates else '') if tls_on else 'off'}"
print(("ok: " if not problems else f"{len(problems)} problems: ") + summary)
sys.exit(1 if problems else 0)
