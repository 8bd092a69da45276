{{/*
Helpers. Component templates are called with a context dict:
  root = the chart's root context ($), name = component key, c = the component's values.
*/}}

{{/* Resource name of a component: <release>-<component>. */}}
{{- define "kuayu.fullname" -}}
{{- printf "%s-%s" .root.Release.Name .name | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "kuayu.selectorLabels" -}}
app.kubernetes.io/name: {{ .root.Chart.Name }}
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .name }}
{{- end -}}

{{- define "kuayu.labels" -}}
{{ include "kuayu.selectorLabels" . }}
app.kubernetes.io/part-of: kuayu
app.kubernetes.io/version: {{ include "kuayu.tag" . | quote }}
app.kubernetes.io/managed-by: {{ .root.Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .root.Chart.Name .root.Chart.Version }}
{{- end -}}

{{/* Province scope as the services read it: "all" or "44" or "11,12". */}}
{{- define "kuayu.scope" -}}
{{- $s := .root.Values.provinceScope -}}
{{- if kindIs "slice" $s -}}{{ join "," $s }}{{- else -}}{{ $s }}{{- end -}}
{{- end -}}

{{- define "kuayu.tag" -}}
{{- .c.image.tag | default .root.Values.image.tag | default .root.Chart.AppVersion -}}
{{- end -}}

{{- define "kuayu.image" -}}
{{- $repo := .c.image.repository -}}
{{- with .root.Values.image.registry }}{{ $repo = printf "%s/%s" (trimSuffix "/" .) $repo }}{{ end -}}
{{- printf "%s:%s" $repo (include "kuayu.tag" .) -}}
{{- end -}}

{{/*
Consumer group: the component name, plus the province codes when the scope is not "all" —
every province release consumes from the one national backbone, so each needs its own group.
A component with kafka.serviceGroupPrefix names its group itself (KAFKA_GROUP_ID unset):
<prefix>-<codes>, or <prefix>-all; this helper returns that name too.
*/}}
{{- define "kuayu.groupId" -}}
{{- $scope := include "kuayu.scope" . -}}
{{- if .c.kafka.groupId -}}{{ .c.kafka.groupId }}
{{- else if .c.kafka.serviceGroupPrefix -}}{{ printf "%s-%s" .c.kafka.serviceGroupPrefix (replace "," "-" $scope) }}
{{- else if eq $scope "all" -}}{{ .name }}
{{- else -}}{{ printf "%s-%s" .name (replace "," "-" $scope) }}
{{- end -}}
{{- end -}}

{{/*
The holiday calendar: where its ConfigMap is mounted (a directory, so that the kubelet's updates
reach the pods; a subPath mount never sees them), and that ConfigMap's name (called with the root
context): the operator's calendar.existingConfigMap, or the chart's <release>-calendar.
*/}}
{{- define "kuayu.calendarDir" -}}/etc/kuayu/calendar{{- end -}}

{{- define "kuayu.smsTemplatesConfigMap" -}}
{{- printf "%s-sms-templates" .Release.Name | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "kuayu.calendarConfigMap" -}}
{{- .Values.calendar.existingConfigMap | default (printf "%s-calendar" .Release.Name | trunc 63 | trimSuffix "-") -}}
{{- end -}}

{{/* Where the master keys of personal data at rest are mounted (components with encryptsPersonalData). */}}
{{- define "kuayu.fieldcryptDir" -}}/etc/kuayu/fieldcrypt{{- end -}}

{{/* Where the signing key is mounted (components with signsTokens). */}}
{{- define "kuayu.jwtSigningDir" -}}/etc/kuayu/jwt-signing{{- end -}}

{{/*
This release's verification keys: every key of secrets.jwtPublicKey.keys, mounted at
/etc/kuayu/jwt/<key>; JWT_PUBLIC_KEY_FILE lists them, comma-separated. Called with the root context.
*/}}
{{- define "kuayu.jwtDir" -}}/etc/kuayu/jwt{{- end -}}

{{- define "kuayu.jwtPublicKeyFiles" -}}
{{- $dir := include "kuayu.jwtDir" . -}}
{{- $files := list -}}
{{- range .Values.secrets.jwtPublicKey.keys }}{{ $files = append $files (printf "%s/%s" $dir .) }}{{ end -}}
{{- join "," $files -}}
{{- end -}}

{{/*
Other releases' keys (tokens.trust) as JWT_TRUST: "<provinces>=<source>" entries, comma-separated;
the source is the entry's jwksUrl, or its ConfigMap's key in the directory it is mounted at,
/etc/kuayu/trust/<index>/<key>. Called with the root context.
*/}}
{{- define "kuayu.trustDir" -}}/etc/kuayu/trust{{- end -}}

{{- define "kuayu.jwtTrust" -}}
{{- include "kuayu.trustEntries" (dict "trust" .Values.tokens.trust "dir" (include "kuayu.trustDir" .)) -}}
{{- end -}}

{{/* "<provinces>=<jwksUrl or dir/<index>/<key>>" for each entry of .trust, comma-separated. */}}
{{- define "kuayu.trustEntries" -}}
{{- $dir := .dir -}}
{{- $entries := list -}}
{{- range $i, $t := .trust -}}
{{- $source := $t.jwksUrl -}}
{{- with $t.configMap }}{{ $source = printf "%s/%d/%s" $dir $i .key }}{{ end -}}
{{- $entries = append $entries (printf "%s=%s" $t.provinces $source) -}}
{{- end -}}
{{- join "," $entries -}}
{{- end -}}

{{/*
Signed events (events.*), parallel to the token keys. This release's event JWKS: the ConfigMap
events.keys.configMap (name "" = <release>-event-keys), mounted as a directory at
/etc/kuayu/event-keys in every Kafka component (EVENT_KEYS_FILE). The producers' private keys: the
Secret events.signingKeys.secretName ("" = <release>-event-signing), of which a component with
signsEvents mounts only <producer>-key.pem (its kafka.principal) at /etc/kuayu/event-signing/key.pem
(EVENT_SIGNING_KEY_FILE). Other releases' event keys (events.trust) as EVENT_TRUST, their ConfigMaps
at /etc/kuayu/event-trust/<index>/. Called with the root context unless said otherwise.
*/}}
{{- define "kuayu.eventKeysDir" -}}/etc/kuayu/event-keys{{- end -}}
{{- define "kuayu.eventKeysConfigMap" -}}
{{- .Values.events.keys.configMap.name | default (printf "%s-event-keys" .Release.Name | trunc 63 | trimSuffix "-") -}}
{{- end -}}
{{- define "kuayu.eventSigningDir" -}}/etc/kuayu/event-signing{{- end -}}
{{- define "kuayu.eventSigningSecret" -}}
{{- .Values.events.signingKeys.secretName | default (printf "%s-event-signing" .Release.Name | trunc 63 | trimSuffix "-") -}}
{{- end -}}
{{/* The key of a producer's private key in that Secret (called with a component context). */}}
{{- define "kuayu.eventSigningKey" -}}{{ include "kuayu.kafkaPrincipal" . }}-key.pem{{- end -}}
{{- define "kuayu.eventTrustDir" -}}/etc/kuayu/event-trust{{- end -}}
{{- define "kuayu.eventTrust" -}}
{{- include "kuayu.trustEntries" (dict "trust" .Values.events.trust "dir" (include "kuayu.eventTrustDir" .)) -}}
{{- end -}}

{{/*
INTAKE_ADDRS: "44=host:port,64=host:port,*=host:port". When this release runs intake, its scope's
provinces (every province, "*", for scope "all") default to it; intakeAddresses entries win.
*/}}
{{- define "kuayu.intakeAddrs" -}}
{{- $v := .root.Values -}}
{{- $m := dict -}}
{{- $intake := get $v.components "intake" -}}
{{- if and $intake $intake.enabled -}}
{{- $own := include "kuayu.address" (dict "root" .root "name" "intake") -}}
{{- if kindIs "slice" $v.provinceScope -}}
{{- range $v.provinceScope }}{{ $_ := set $m (toString .) $own }}{{ end -}}
{{- else -}}
{{- $_ := set $m "*" $own -}}
{{- end -}}
{{- end -}}
{{- range $k, $a := ($v.intakeAddresses | default dict) }}{{ $_ := set $m (toString $k) $a }}{{ end -}}
{{- $pairs := list -}}
{{- range $k := keys $m | sortAlpha }}{{ if ne $k "*" }}{{ $pairs = append $pairs (printf "%s=%s" $k (get $m $k)) }}{{ end }}{{ end -}}
{{- with get $m "*" }}{{ $pairs = append $pairs (printf "*=%s" .) }}{{ end -}}
{{- join "," $pairs -}}
{{- end -}}

{{/* Environment of a component (the ConfigMap's data); secrets come from secretKeyRef instead. */}}
{{- define "kuayu.env" -}}
{{- if eq .name "console" -}}
{{ include "kuayu.consoleEnv" . }}
{{- else -}}
{{- $v := .root.Values -}}
{{- $env := dict
  "GRPC_HOST" "0.0.0.0"
  "GRPC_PORT" (.c.grpcPort | int | toString)
  "METRICS_PORT" ($v.telemetry.metricsPort | int | toString)
  "OTEL_SERVICE_NAME" .name
  "PROVINCE_SCOPE" (include "kuayu.scope" .)
  "LOG_LEVEL" $v.logLevel
  "GRPC_CALLS_PER_COURT_PER_SECOND" ($v.callsPerCourtPerSecond | int | toString)
  "SHUTDOWN_GRACE_MS" ($v.shutdownGraceMs | int64 | toString)
  "JWT_PUBLIC_KEY_FILE" (include "kuayu.jwtPublicKeyFiles" .root)
  "JWT_MAX_LIFETIME" $v.tokens.maxLifetime
  "CALENDAR_FILE" (printf "%s/calendar.json" (include "kuayu.calendarDir" .))
  "CALENDAR_POLL_MS" ($v.calendar.pollMs | int64 | toString)
-}}
{{- with include "kuayu.jwtTrust" .root }}{{ $_ := set $env "JWT_TRUST" . }}{{ end -}}
{{- with $v.telemetry.otlpEndpoint }}{{ $_ := set $env "OTEL_EXPORTER_OTLP_ENDPOINT" . }}{{ end -}}
{{- with .c.httpPort }}{{ $_ := set $env "HTTP_HOST" "0.0.0.0" }}{{ $_ := set $env "HTTP_PORT" (. | int | toString) }}{{ end -}}
{{- if .c.kafka.enabled -}}
{{- $_ := set $env "KAFKA_BROKERS" (join "," $v.kafka.brokers) -}}
{{- if or .c.kafka.groupId (not .c.kafka.serviceGroupPrefix) }}{{ $_ := set $env "KAFKA_GROUP_ID" (include "kuayu.groupId" .) }}{{ end -}}
{{- $_ := set $env "KAFKA_TLS" ($v.kafka.tls | toString) -}}
{{- if and $v.kafka.tls $v.kafka.tlsCa.name }}{{ $_ := set $env "KAFKA_TLS_CA_FILE" "/etc/kuayu/kafka-tls/ca/ca.crt" }}{{ end -}}
{{- if and $v.kafka.tls $v.kafka.tlsClientCert.name }}{{ $_ := set $env "KAFKA_TLS_CERT_FILE" "/etc/kuayu/kafka-tls/client/tls.crt" }}{{ $_ := set $env "KAFKA_TLS_KEY_FILE" "/etc/kuayu/kafka-tls/client/tls.key" }}{{ end -}}
{{- with $v.kafka.topicPrefix }}{{ $_ := set $env "KAFKA_TOPIC_PREFIX" . }}{{ end -}}
{{- if $v.kafka.sasl.enabled }}{{ $_ := set $env "KAFKA_SASL_MECHANISM" $v.kafka.sasl.mechanism }}{{ $_ := set $env "KAFKA_SASL_USERNAME" (include "kuayu.kafkaUser" .) }}{{ end -}}
{{- $_ := set $env "EVENT_KEYS_FILE" (printf "%s/%s" (include "kuayu.eventKeysDir" .root) $v.events.keys.configMap.key) -}}
{{- with include "kuayu.eventTrust" .root }}{{ $_ := set $env "EVENT_TRUST" . }}{{ end -}}
{{- if .c.signsEvents }}{{ $_ := set $env "EVENT_SIGNING_KEY_FILE" (printf "%s/key.pem" (include "kuayu.eventSigningDir" .root)) }}{{ end -}}
{{- end -}}
{{- if .c.sealsDocuments }}{{ $_ := set $env "SEAL_KEY_DIR" "/etc/kuayu/court-seal" }}{{ end -}}
{{- /* SMS through a provider's SDK: the approved templates (smsTemplates' ConfigMap). */ -}}
{{- if and .c.sendsMessages $v.smsTemplates }}{{ $_ := set $env "SMS_TEMPLATES_FILE" "/etc/kuayu/sms/templates.json" }}{{ end -}}
{{- /* Printed notices carry a QR code of the release's console's /verify page. */ -}}
{{- if and .c.sealsDocuments $v.components.console.enabled $v.components.console.publicUrl }}{{ $_ := set $env "DOCUMENT_VERIFY_URL" (printf "%s/verify" (trimSuffix "/" $v.components.console.publicUrl)) }}{{ end -}}
{{- if .c.mongo.enabled }}{{ $_ := set $env "MONGO_DB" .c.mongo.database }}{{ end -}}
{{- range .c.calls -}}
{{- $_ := set $env (printf "%s_ADDR" (upper (replace "-" "_" .))) (include "kuayu.address" (dict "root" $.root "name" .)) -}}
{{- end -}}
{{- if .c.callsIntakes }}{{ $_ := set $env "INTAKE_ADDRS" (include "kuayu.intakeAddrs" .) }}{{ end -}}
{{- if .c.encryptsPersonalData }}{{ $_ := set $env "FIELDCRYPT_MASTER_KEY_DIR" (include "kuayu.fieldcryptDir" .) }}{{ $_ := set $env "FIELDCRYPT_ALGORITHM" $v.personalData.algorithm }}{{ $_ := set $env "FIELDCRYPT_ROTATE_DAYS" ($v.personalData.rotateDays | int | toString) }}{{ end -}}
{{- if .c.signsTokens }}{{ $_ := set $env "JWT_PRIVATE_KEY_FILE" (printf "%s/private.pem" (include "kuayu.jwtSigningDir" .)) }}{{ end -}}
{{- include "kuayu.oidcEnv" (dict "root" .root "env" $env) -}}
{{- include "kuayu.tlsEnv" (dict "root" .root "env" $env) -}}
{{- if $v.tls.enabled }}{{ $_ := set $env "GRPC_HEALTH_PORT" ($v.tls.healthPort | int | toString) }}{{ end -}}
{{- range $k, $val := .c.settings }}{{ $_ := set $env $k (toString $val) }}{{ end -}}
{{- toYaml $env -}}
{{- end -}}
{{- end -}}

{{/* Mutual TLS (tls.*): where the Secret is mounted, its name, and TLS_* into .env when enabled. */}}
{{- define "kuayu.tlsDir" -}}/etc/kuayu/tls{{- end -}}
{{- define "kuayu.tlsSecret" -}}{{ .Values.tls.secretName | default (printf "%s-tls" .Release.Name) }}{{- end -}}
{{- define "kuayu.tlsEnv" -}}
{{- if .root.Values.tls.enabled -}}
{{- $_ := set .env "TLS_CA_FILE" "/etc/kuayu/tls/ca.crt" -}}
{{- $_ := set .env "TLS_CERT_FILE" "/etc/kuayu/tls/tls.crt" -}}
{{- $_ := set .env "TLS_KEY_FILE" "/etc/kuayu/tls/tls.key" -}}
{{- /* Node's own HTTPS clients (another release's JWKS at its supervision API) trust the CA too. */ -}}
{{- $_ := set .env "NODE_EXTRA_CA_CERTS" "/etc/kuayu/tls/ca.crt" -}}
{{- end -}}
{{- end -}}

{{/* The TLS Secret's volume mount and volume, for a pod's container and volumes (when tls.enabled). */}}
{{- define "kuayu.tlsMount" -}}
# Mutual TLS (TLS_CA_FILE, TLS_CERT_FILE, TLS_KEY_FILE): tls.secretName, read-only.
- name: tls
  mountPath: {{ include "kuayu.tlsDir" . }}
  readOnly: true
{{- end -}}
{{- define "kuayu.tlsVolume" -}}
- name: tls
  secret:
    secretName: {{ include "kuayu.tlsSecret" . }}
    items:
      - key: ca.crt
        path: ca.crt
      - key: tls.crt
        path: tls.crt
      - key: tls.key
        path: tls.key
    # Readable by the pod's group (fsGroup 1000) only.
    defaultMode: 0440
{{- end -}}

{{/* OIDC_ISSUER, OIDC_JWKS_URL, OIDC_AUDIENCE from oidc.* (each only when set), into .env. */}}
{{- define "kuayu.oidcEnv" -}}
{{- $o := .root.Values.oidc -}}
{{- if $o.issuer -}}
{{- $_ := set .env "OIDC_ISSUER" $o.issuer -}}
{{- with $o.jwksUrl }}{{ $_ := set $.env "OIDC_JWKS_URL" . }}{{ end -}}
{{- with $o.audience }}{{ $_ := set $.env "OIDC_AUDIENCE" . }}{{ end -}}
{{- end -}}
{{- end -}}

{{/* Where the console's two Secrets are mounted (files client-secret and session-key). */}}
{{- define "kuayu.oidcClientDir" -}}/etc/kuayu/oidc-client{{- end -}}
{{- define "kuayu.sessionKeyDir" -}}/etc/kuayu/session{{- end -}}

{{/* The console's settings: HTTP, PUBLIC_URL, its OIDC client, the services' addresses; no store, no broker. */}}
{{- define "kuayu.consoleEnv" -}}
{{- $v := .root.Values -}}
{{- $env := dict
  "CONSOLE_HOST" "0.0.0.0"
  "CONSOLE_PORT" (.c.httpPort | int | toString)
  "PUBLIC_URL" (trimSuffix "/" .c.publicUrl)
  "OIDC_CLIENT_ID" .c.oidcClient.id
  "OIDC_SCOPES" .c.oidcClient.scopes
  "OIDC_CLIENT_SECRET_FILE" (printf "%s/client-secret" (include "kuayu.oidcClientDir" .))
  "SESSION_KEY_FILE" (printf "%s/session-key" (include "kuayu.sessionKeyDir" .))
  "METRICS_PORT" ($v.telemetry.metricsPort | int | toString)
  "OTEL_SERVICE_NAME" .name
  "LOG_LEVEL" $v.logLevel
  "SHUTDOWN_GRACE_MS" ($v.shutdownGraceMs | int64 | toString)
-}}
{{- with .c.oidcClient.resource }}{{ $_ := set $env "OIDC_RESOURCE" . }}{{ end -}}
{{- if .c.signsTokens }}{{ $_ := set $env "JWT_PRIVATE_KEY_FILE" (printf "%s/private.pem" (include "kuayu.jwtSigningDir" .)) }}{{ end -}}
{{- /* Behind the Ingress (one proxy that appends the visitor's address): /verify's limits count per visitor. */ -}}
{{- if .c.ingress.enabled }}{{ $_ := set $env "TRUSTED_PROXY_HOPS" "1" }}{{ end -}}
{{- with $v.telemetry.otlpEndpoint }}{{ $_ := set $env "OTEL_EXPORTER_OTLP_ENDPOINT" . }}{{ end -}}
{{- if $v.oidc.issuer }}{{ $_ := set $env "OIDC_ISSUER" $v.oidc.issuer }}{{ end -}}
{{- $names := dict "intake" "INTAKE_ADDR" "routing" "DIRECTORY_ADDR" "jurisdiction-decision" "DECISION_ADDR" "notification" "NOTIFICATION_ADDR" "supervision" "SUPERVISION_ADDR" -}}
{{- range .c.calls -}}
{{- $_ := set $env (get $names .) (include "kuayu.address" (dict "root" $.root "name" .)) -}}
{{- end -}}
{{- include "kuayu.tlsEnv" (dict "root" .root "env" $env) -}}
{{- range $k, $val := .c.settings }}{{ $_ := set $env $k (toString $val) }}{{ end -}}
{{- toYaml $env -}}
{{- end -}}

{{/* The console's Ingress host: ingress.host, or publicUrl's host. */}}
{{- define "kuayu.consoleHost" -}}
{{- .c.ingress.host | default (urlParse (.c.publicUrl | default "https://")).hostname -}}
{{- end -}}

{{/* host:port of a gRPC component: in this release if enabled here, else externalAddresses. */}}
{{- define "kuayu.address" -}}
{{- $target := get .root.Values.components .name -}}
{{- if and $target $target.enabled -}}
{{- printf "%s-%s:%d" .root.Release.Name .name ($target.grpcPort | int) -}}
{{- else -}}
{{- get .root.Values.externalAddresses .name -}}
{{- end -}}
{{- end -}}

{{/* Checks that the schema cannot express; each fails with the setting to change. */}}
{{- define "kuayu.validate" -}}
{{- $v := .root.Values -}}
{{- if not .c.built -}}
{{- fail (printf "components.%s: this service is not built yet (no image); keep enabled: false" .name) -}}
{{- end -}}
{{- if $v.secrets.mongoUri -}}
{{- fail "secrets.mongoUri is no longer used: each service has its own store user, in its own Secret (components.<name>.mongo.uriSecret; docs/security.md \"Least privilege in the store\")" -}}
{{- end -}}
{{- if and .c.mongo .c.mongo.enabled .c.mongo.uriSecret -}}
{{- range $other, $oc := $v.components -}}
{{- if and (ne $other $.name) $oc.enabled $oc.mongo $oc.mongo.enabled $oc.mongo.uriSecret (eq $oc.mongo.uriSecret.name $.c.mongo.uriSecret.name) -}}
{{- fail (printf "components.%s.mongo.uriSecret and components.%s.mongo.uriSecret are both the Secret %s: one Secret per service, each with its own store user" $.name $other $.c.mongo.uriSecret.name) -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- $needed := add (mul $v.preStopSleepSeconds 1000) ($v.shutdownGraceMs | int64) -}}
{{- if le (mul $v.terminationGracePeriodSeconds 1000) $needed -}}
{{- fail (printf "terminationGracePeriodSeconds (%d) must exceed preStopSleepSeconds + shutdownGraceMs/1000 (%d + %d s), or Kubernetes kills the service mid-drain" ($v.terminationGracePeriodSeconds | int) ($v.preStopSleepSeconds | int) (div ($v.shutdownGraceMs | int64) 1000)) -}}
{{- end -}}
{{- if and .c.autoscaling.enabled (gt (.c.autoscaling.minReplicas | int) (.c.autoscaling.maxReplicas | int)) -}}
{{- fail (printf "components.%s.autoscaling: minReplicas (%d) is larger than maxReplicas (%d)" .name (.c.autoscaling.minReplicas | int) (.c.autoscaling.maxReplicas | int)) -}}
{{- end -}}
{{- range $k, $val := .c.settings -}}
{{- if regexMatch "-----BEGIN|://[^/@\\s]*:[^/@\\s]*@" (toString $val) -}}
{{- fail (printf "components.%s.settings.%s looks like a secret (a PEM block or a URL with credentials): secrets are never inlined; put it in a Secret and reference it (secrets.*, kafka.sasl)" $.name $k) -}}
{{- end -}}
{{- end -}}
{{- range .c.calls -}}
{{- if not (include "kuayu.address" (dict "root" $.root "name" .)) -}}
{{- fail (printf "components.%s calls %s: enable components.%s in this release or set externalAddresses.%s (host:port)" $.name . . .) -}}
{{- end -}}
{{- end -}}
{{- if and (hasKey .c.settings "SMS_URL") (not (and .c.sendsMessages $v.secrets.sms $v.secrets.sms.name)) -}}
{{- fail (printf "components.%s.settings.SMS_URL needs the gateway's token: set secrets.sms.name (and key) to the Secret holding it (SMS_TOKEN)%s" .name (ternary "" ", and sendsMessages: true on the component" (.c.sendsMessages | default false))) -}}
{{- end -}}
{{- $smsProvider := .c.settings.SMS_PROVIDER | default "" -}}
{{- if and (has $smsProvider (list "aliyun" "tencent")) (not (and .c.sendsMessages $v.secrets.sms $v.secrets.sms.name $v.smsTemplates .c.settings.SMS_SIGN_NAME .c.settings.SMS_ACCESS_KEY_ID)) -}}
{{- fail (printf "components.%s.settings.SMS_PROVIDER %s needs smsTemplates, settings.SMS_SIGN_NAME and SMS_ACCESS_KEY_ID, and the secret key in secrets.sms (name, key)" .name $smsProvider) -}}
{{- end -}}
{{- if and .c.callsIntakes (not (regexMatch "(^|,)\\*=" (include "kuayu.intakeAddrs" .))) -}}
{{- fail (printf "components.%s calls the intake of every window's province: set intakeAddresses.\"*\" (host:port of the intake, or national gateway, for provinces not listed); INTAKE_ADDRS would be %q" .name (include "kuayu.intakeAddrs" .)) -}}
{{- end -}}
{{- $producer := and .c.kafka (has (include "kuayu.kafkaPrincipal" .) (list "intake" "decision" "supervision")) -}}
{{- if and .c.signsEvents (not $producer) -}}
{{- fail (printf "components.%s.signsEvents: %s produces no events; set signsEvents: false (an event private key in its pods would be one more key to leak, with nothing to sign)" .name .name) -}}
{{- end -}}
{{- if and $producer .c.kafka .c.kafka.enabled (not .c.signsEvents) -}}
{{- fail (printf "components.%s.signsEvents must be true: every consumer verifies events, and would dead-letter each one %s produces unsigned (docs/operations.md, \"Event keys\")" .name .name) -}}
{{- end -}}
{{- if and .c.kafka .c.kafka.enabled -}}
{{- $group := include "kuayu.groupId" . -}}
{{- $scope := include "kuayu.scope" . -}}
{{- if eq $scope "all" -}}
{{- if regexMatch "-[0-9]{2}$" $group -}}
{{- fail (printf "components.%s.kafka.groupId %q ends with a province code, but provinceScope is \"all\": a province release's group must never be shared with another scope" .name $group) -}}
{{- end -}}
{{- else -}}
{{- $suffix := printf "-%s" (replace "," "-" $scope) -}}
{{- $base := trimSuffix $suffix $group -}}
{{- if or (not (hasSuffix $suffix $group)) (not $base) (regexMatch "(^|-)[0-9]{2}$" $base) -}}
{{- fail (printf "components.%s.kafka.groupId %q must be <name>%s (the province scope's codes, nothing else): every province release consumes the one backbone in its own group, and the broker refuses members of one group with different scopes" .name $group $suffix) -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{/* The console's own checks, besides kuayu.validate's. */}}
{{- define "kuayu.validateConsole" -}}
{{- $v := .root.Values -}}
{{- if not $v.oidc.issuer -}}
{{- fail "components.console needs oidc.issuer: the URL of the identity provider its users sign in at (e.g. https://id.court.example/realms/kuayu); without it the console cannot start (docs/operations.md, \"The web console\")" -}}
{{- end -}}
{{- if not .c.publicUrl -}}
{{- fail "components.console.publicUrl: set the https URL users open (e.g. https://kuayu-44.court.example); the identity provider redirects to <publicUrl>/auth/callback" -}}
{{- end -}}
{{- $urlHost := (urlParse .c.publicUrl).hostname -}}
{{- if and .c.ingress.enabled (ne (include "kuayu.consoleHost" .) $urlHost) -}}
{{- fail (printf "components.console.ingress.host %q is not publicUrl's host %q: users would open one and be redirected to the other after sign-in; leave host empty or make them the same" .c.ingress.host $urlHost) -}}
{{- end -}}
{{- end -}}

{{/* Checks across the components of the release (called once). */}}
{{- define "kuayu.validateRelease" -}}
{{- with .Values.secrets.jwtPublicKey.key -}}
{{- fail (printf "secrets.jwtPublicKey.key is replaced by secrets.jwtPublicKey.keys, a list (the current key, and the next one during a rotation): write keys: [%s] and remove key" .) -}}
{{- end -}}
{{- if and (not .Values.oidc.issuer) (or .Values.oidc.jwksUrl .Values.oidc.audience) -}}
{{- fail "oidc.jwksUrl and oidc.audience need oidc.issuer: without an issuer the services trust no identity provider" -}}
{{- end -}}
{{- $seen := dict -}}
{{- range $name, $c := .Values.components -}}
{{- if and $c.enabled $c.kafka $c.kafka.enabled -}}
{{- $group := include "kuayu.groupId" (dict "root" $ "name" $name "c" $c) -}}
{{- with get $seen $group -}}
{{- fail (printf "components.%s and components.%s would share the consumer group %q: give each its own kafka.groupId" . $name $group) -}}
{{- end -}}
{{- $_ := set $seen $group $name -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{/*
The holiday calendar's checks that the schema cannot express (the services' own checks, so that a
bad year fails `helm upgrade` instead of reaching the pods, where a starting pod would refuse it
and exit 2): real dates inside their year, ranges that end after they start and do not overlap,
adjusted working days that are a Saturday or Sunday, not a holiday, not listed twice; and years
or an existing ConfigMap, not both. Called once with the root context.
*/}}
{{- define "kuayu.validateCalendar" -}}
{{- $cal := .Values.calendar -}}
{{- if and $cal.existingConfigMap (gt (len $cal.years) 0) -}}
{{- fail (printf "calendar: set calendar.years (the chart renders the ConfigMap) or calendar.existingConfigMap (%s, yours), not both" $cal.existingConfigMap) -}}
{{- end -}}
{{- range $year, $a := $cal.years -}}
{{- $at := printf "calendar.years.%s" $year -}}
{{- $ranges := list -}}
{{- range $i, $h := $a.holidays -}}
{{- $f := printf "%s.holidays[%d]" $at $i -}}
{{- include "kuayu.calendarDate" (dict "year" $year "date" $h.from "field" (printf "%s.from" $f)) -}}
{{- include "kuayu.calendarDate" (dict "year" $year "date" $h.to "field" (printf "%s.to" $f)) -}}
{{- if lt $h.to $h.from -}}
{{- fail (printf "%s ends (%s) before it starts (%s)" $f $h.to $h.from) -}}
{{- end -}}
{{- range $ranges -}}
{{- if and (le $h.from .to) (le .from $h.to) -}}
{{- fail (printf "%s (%s to %s) overlaps %s.holidays[%d] (%s to %s)" $f $h.from $h.to $at (.i | int) .from .to) -}}
{{- end -}}
{{- end -}}
{{- $ranges = append $ranges (dict "i" $i "from" $h.from "to" $h.to) -}}
{{- end -}}
{{- $seen := dict -}}
{{- range $i, $w := ($a.workdays | default list) -}}
{{- $f := printf "%s.workdays[%d]" $at $i -}}
{{- include "kuayu.calendarDate" (dict "year" $year "date" $w "field" $f) -}}
{{- if hasKey $seen $w -}}
{{- fail (printf "%s: %s is listed twice" $f $w) -}}
{{- end -}}
{{- $_ := set $seen $w true -}}
{{- $dow := include "kuayu.weekday" $w | int -}}
{{- if and (ne $dow 0) (ne $dow 6) -}}
{{- fail (printf "%s: %s is not a Saturday or Sunday: only a weekend day can be an adjusted working day" $f $w) -}}
{{- end -}}
{{- range $ranges -}}
{{- if and (le .from $w) (le $w .to) -}}
{{- fail (printf "%s: %s is a holiday (%s.holidays[%d]) and an adjusted working day" $f $w $at (.i | int)) -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{/* A calendar date (the schema checked YYYY-MM-DD): a real day, inside its year. */}}
{{- define "kuayu.calendarDate" -}}
{{- $p := splitList "-" .date -}}
{{- $y := index $p 0 | atoi -}}
{{- $m := index $p 1 | atoi -}}
{{- $d := index $p 2 | atoi -}}
{{- $leap := or (and (eq (mod $y 4) 0) (ne (mod $y 100) 0)) (eq (mod $y 400) 0) -}}
{{- $days := index (list 31 (ternary 29 28 $leap) 31 30 31 30 31 31 30 31 30 31) (sub $m 1) -}}
{{- if gt $d $days -}}
{{- fail (printf "%s: %s is not a date (that month has %d days)" .field .date $days) -}}
{{- end -}}
{{- if ne (index $p 0) .year -}}
{{- fail (printf "%s: %s is outside %s" .field .date .year) -}}
{{- end -}}
{{- end -}}

{{/* Day of the week of a date YYYY-MM-DD, 0 = Sunday … 6 = Saturday (Sakamoto's method). */}}
{{- define "kuayu.weekday" -}}
{{- $p := splitList "-" . -}}
{{- $y := index $p 0 | atoi -}}
{{- $m := index $p 1 | atoi -}}
{{- $d := index $p 2 | atoi -}}
{{- if lt $m 3 }}{{ $y = sub $y 1 }}{{ end -}}
{{- $t := index (list 0 3 2 5 0 3 5 1 4 6 2 4) (sub $m 1) -}}
{{- mod (add $y (div $y 4) (mul -1 (div $y 100)) (div $y 400) $t $d) 7 -}}
{{- end -}}

{{/* A Kafka component's entry in files/kafka-acls.json (kafka.principal, default: its name). */}}
{{- define "kuayu.kafkaPrincipal" -}}
{{- .c.kafka.principal | default .name -}}
{{- end -}}

{{/* Its Kafka username: kafka.sasl.userPrefix + principal. */}}
{{- define "kuayu.kafkaUser" -}}
{{- printf "%s%s" (.root.Values.kafka.sasl.userPrefix | default "") (include "kuayu.kafkaPrincipal" .) -}}
{{- end -}}
