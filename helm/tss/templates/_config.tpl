{{/* The non-secret environment every service reads: the ConfigMap, and its copy for the migration hook. */}}
{{- define "tss.configData" -}}
NODE_ENV: {{ .Values.config.nodeEnv | quote }}
LOG_LEVEL: {{ .Values.config.logLevel | quote }}
HOST: "0.0.0.0"
PORT: {{ .Values.ports.http | quote }}
METRICS_PORT: {{ .Values.ports.metrics | quote }}
KAFKA_BROKERS: {{ required "config.kafkaBrokers is required (host:port,...)" .Values.config.kafkaBrokers | quote }}
KAFKA_TOPIC_PARTITIONS: {{ .Values.config.kafkaTopicPartitions | quote }}
{{ include "tss.kafkaConfigData" . }}
DB_POOL_SIZE: {{ .Values.config.dbPoolSize | quote }}
DB_CONNECT_TIMEOUT_MS: {{ .Values.config.dbConnectTimeoutMs | int64 | quote }}
DB_ANSWER_TIMEOUT_MS: {{ .Values.config.dbAnswerTimeoutMs | int64 | quote }}
TSS_JWT_ISSUER: {{ .Values.config.jwtIssuer | quote }}
TSS_JWT_AUDIENCE: {{ .Values.config.jwtAudience | quote }}
SHUTDOWN_TIMEOUT_MS: {{ .Values.config.shutdownTimeoutMs | quote }}
# Every server's request deadlines (docs/adr/0063, sixth session): the headers, then a body; an
# upload's body has the gateway's upload deadline in every service, so none cuts it shorter.
TSS_REQUEST_TIMEOUT_MS: {{ .Values.config.requestTimeoutMs | int64 | quote }}
TSS_UPLOAD_TIMEOUT_MS: {{ (index .Values.services "gateway").uploadTimeoutMs | int64 | quote }}
{{- if not .Values.migrations.enabled }}
# No migration hook: each service applies its own migrations at start; its replicas take turns
# (an advisory lock per schema, docs/adr/0005).
MIGRATE_ON_START: "true"
{{- end }}
{{- with .Values.config.otlpEndpoint }}
OTEL_EXPORTER_OTLP_ENDPOINT: {{ . | quote }}
{{- end }}
TSS_PUBLIC_URL: {{ include "tss.publicUrl" . | quote }}
{{- with .Values.config.oidc }}
{{- if .issuer }}
TSS_OIDC_ISSUER: {{ .issuer | quote }}
TSS_OIDC_AUDIENCE: {{ .audience | quote }}
TSS_OIDC_JWKS_URL: {{ .jwksUrl | quote }}
TSS_OIDC_ROLES_CLAIM: {{ .rolesClaim | quote }}
{{- end }}
{{- end }}
{{- range $k, $v := .Values.config.extraEnv }}
{{- /* From a Secret or ConfigMap key: in each Deployment's env instead (tss.extraEnv). */}}
{{- if not (kindIs "map" $v) }}
{{ $k }}: {{ $v | toString | quote }}
{{- end }}
{{- end }}
{{- end -}}

{{/* The chart's Secret data (also copied into the migration hook's Secret). */}}
{{- define "tss.secretData" -}}
{{- $s := .Values.secrets -}}
{{- with $s.databaseUrl }}
DATABASE_URL: {{ . | quote }}
{{- end }}
{{- with $s.masterKeys }}
TSS_MASTER_KEYS: {{ . | quote }}
{{- end }}
{{- with $s.siteLinkKeys }}
TSS_SITE_LINK_KEYS: {{ . | quote }}
{{- end }}
{{- with $s.bootstrapClientSecret }}
TSS_BOOTSTRAP_CLIENT_SECRET: {{ . | quote }}
{{- end }}
{{- with (include "tss.smtp" . | fromJson).password }}
MAIL_SMTP_PASSWORD: {{ . | quote }}
{{- end }}
{{- with $s.redisUrl }}
REDIS_URL: {{ . | quote }}
{{- end }}
{{- with $s.kafkaSaslPassword }}
KAFKA_SASL_PASSWORD: {{ . | quote }}
{{- end }}
{{- with $s.attachmentS3AccessKeyId }}
ATTACHMENT_S3_ACCESS_KEY_ID: {{ . | quote }}
{{- end }}
{{- with $s.attachmentS3SecretAccessKey }}
ATTACHMENT_S3_SECRET_ACCESS_KEY: {{ . | quote }}
{{- end }}
{{- end -}}


{{/*
TSS_PUBLIC_URL: config.publicUrl, else the first ingress host as the ingress serves it (tss.ingressUrl).
Without either, or with a wildcard first host (*.example.com), the render fails: the services' own default, http://127.0.0.1:3000, would start
every link mailed.
*/}}
{{- define "tss.publicUrl" -}}
{{- if .Values.config.publicUrl -}}
{{ .Values.config.publicUrl }}
{{- else if and .Values.ingress.enabled .Values.ingress.hosts -}}
{{- $first := (index .Values.ingress.hosts 0).host -}}
{{- if contains "*" $first -}}
{{- fail (printf "config.publicUrl is required when the first ingress host is a wildcard (%s): no requester can open that address, and every support-site and rating link mailed starts with it (TSS_PUBLIC_URL); set the one address requesters use, e.g. https://support.example.com" $first) -}}
{{- end -}}
{{ include "tss.ingressUrl" (list . $first) }}
{{- else -}}
{{- fail "config.publicUrl is required without an ingress host (ingress.enabled=false): the gateway's address as requesters open it, e.g. https://support.example.com; every support-site and rating link mailed starts with it (TSS_PUBLIC_URL), and the services' default is http://127.0.0.1:3000" -}}
{{- end -}}
{{- end -}}

{{/*
An ingress host's address: https:// when an ingress.tls entry names it (or a wildcard *.<rest>
covering its first label), else http://, which is what the Ingress then serves. Call with (list $ "tss.example.com").
*/}}
{{- define "tss.ingressUrl" -}}
{{- $host := index . 1 -}}
{{- $tls := false -}}
{{- range (index . 0).Values.ingress.tls -}}
{{- range .hosts -}}
{{- $label := trimSuffix (trimPrefix "*" .) $host -}}
{{- if or (eq . $host) (and (hasPrefix "*." .) (hasSuffix (trimPrefix "*" .) $host) $label (not (contains "." $label))) -}}
{{- $tls = true -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- printf "%s://%s" (ternary "https" "http" $tls) $host -}}
{{- end -}}
