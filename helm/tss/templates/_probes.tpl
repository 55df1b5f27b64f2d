{{/*
The startup probe: probes.startup, its failureThreshold lengthened by the wait for PostgreSQL. A
service waits up to DB_CONNECT_TIMEOUT_MS (config.dbConnectTimeoutMs) for the database before it
listens (docs/adr/0015); a probe that gave up sooner would restart it mid-wait, into
CrashLoopBackOff. probes.startup's own budget is the start after that: migrations when
MIGRATE_ON_START, opening the service, listening. Readiness stays false meanwhile: nothing listens.
*/}}
{{- define "tss.startupProbe" -}}
{{- $p := .Values.probes.startup -}}
{{- $periodMs := mul (int $p.periodSeconds) 1000 -}}
{{- $waitPeriods := div (add (int64 .Values.config.dbConnectTimeoutMs) (sub $periodMs 1)) $periodMs -}}
{{- toYaml (merge (dict "failureThreshold" (add (int $p.failureThreshold) $waitPeriods)) $p) }}
{{- end -}}
