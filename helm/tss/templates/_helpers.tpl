{{/* The services in start order; the gateway first. */}}
{{- define "tss.serviceNames" -}}
gateway ticket-intake sla-timer notification escalation rating
{{- end -}}

{{- define "tss.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{/* Room is left for the longest suffix (-ticket-intake-migrate would not fit otherwise). */}}
{{- define "tss.fullname" -}}
{{- if .Values.fullnameOverride -}}
{{- .Values.fullnameOverride | trunc 40 | trimSuffix "-" -}}
{{- else -}}
{{- $name := default .Chart.Name .Values.nameOverride -}}
{{- if contains $name .Release.Name -}}
{{- .Release.Name | trunc 40 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name $name | trunc 40 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{/* A component's object name: <fullname>-<component>. Call with (list $ "gateway"). */}}
{{- define "tss.componentName" -}}
{{- $root := index . 0 -}}
{{- printf "%s-%s" (include "tss.fullname" $root) (index . 1) | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "tss.chart" -}}
{{- printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" | trunc 63 | trimSuffix "-" -}}
{{- end -}}

{{- define "tss.selectorLabels" -}}
app.kubernetes.io/name: {{ include "tss.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "tss.labels" -}}
helm.sh/chart: {{ include "tss.chart" . }}
{{ include "tss.selectorLabels" . }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: tss
{{- end -}}

{{/* Selector labels of one component. Call with (list $ "gateway"). */}}
{{- define "tss.componentSelectorLabels" -}}
{{ include "tss.selectorLabels" (index . 0) }}
app.kubernetes.io/component: {{ index . 1 }}
{{- end -}}

{{- define "tss.componentLabels" -}}
{{ include "tss.labels" (index . 0) }}
app.kubernetes.io/component: {{ index . 1 }}
{{- end -}}

{{- define "tss.serviceAccountName" -}}
{{- if .Values.serviceAccount.create -}}
{{- default (include "tss.fullname" .) .Values.serviceAccount.name -}}
{{- else -}}
{{- required "serviceAccount.name is required when serviceAccount.create is false" .Values.serviceAccount.name -}}
{{- end -}}
{{- end -}}

{{- define "tss.secretName" -}}
{{- default (include "tss.fullname" .) .Values.secrets.existingSecret -}}
{{- end -}}

{{- define "tss.image" -}}
{{- $tag := default .Chart.AppVersion .Values.image.tag -}}
{{- if .Values.image.digest -}}
{{- printf "%s@%s" .Values.image.repository .Values.image.digest -}}
{{- else -}}
{{- printf "%s:%s" .Values.image.repository $tag -}}
{{- end -}}
{{- end -}}

{{/* In-cluster base URL of a component's Service. Call with (list $ "gateway"). */}}
{{- define "tss.serviceUrl" -}}
{{- printf "http://%s.%s.svc" (include "tss.componentName" .) (index . 0).Release.Namespace -}}
{{- end -}}

{{/* A secret variable from the chart's Secret or the existing one. Call with (list $ "KEY" optional). */}}
{{- define "tss.secretEnv" -}}
{{- $root := index . 0 -}}
- name: {{ index . 1 }}
  valueFrom:
    secretKeyRef:
      name: {{ include "tss.secretName" $root }}
      key: {{ index . 1 }}
      {{- if index . 2 }}
      optional: true
      {{- end }}
{{- end -}}

{{/* Fails the render when a pod could be killed before it drains. */}}
{{- define "tss.checkGracePeriod" -}}
{{- $needSeconds := add (div .Values.config.shutdownTimeoutMs 1000) .Values.preStopSleepSeconds -}}
{{- if le (int .Values.terminationGracePeriodSeconds) (int $needSeconds) -}}
{{- fail (printf "terminationGracePeriodSeconds (%d) must exceed preStopSleepSeconds (%d) + config.shutdownTimeoutMs/1000 (%d), or pods are killed mid-drain" (int .Values.terminationGracePeriodSeconds) (int .Values.preStopSleepSeconds) (int (div .Values.config.shutdownTimeoutMs 1000))) -}}
{{- end -}}
{{- end -}}

{{/* Restricted pod security: one place for Deployments and the migration Job. */}}
{{- define "tss.podSecurity" -}}
automountServiceAccountToken: false
securityContext:
  {{- toYaml .Values.podSecurityContext | nindent 2 }}
{{- with .Values.imagePullSecrets }}
imagePullSecrets:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- end -}}

{{/* Egress to one external dependency (postgres, kafka, redis, otlp, oidc, dns). Call with (list $ "postgres"). */}}
{{- define "tss.egressRule" -}}
{{- $dep := index (index . 0).Values.networkPolicy (index . 1) -}}
- ports:
  {{- range $dep.ports }}
    - protocol: TCP
      port: {{ . }}
    {{- if eq (index $ 1) "dns" }}
    - protocol: UDP
      port: {{ . }}
    {{- end }}
  {{- end }}
  {{- with $dep.to }}
  to:
    {{- toYaml . | nindent 4 }}
  {{- end }}
{{- end -}}

{{/* DATABASE_URL: from another Secret (CloudNativePG's <cluster>-app, key uri) or from the chart's/existing one. */}}
{{- define "tss.databaseUrlEnv" -}}
{{- with .Values.secrets.databaseUrlSecretRef.name -}}
- name: DATABASE_URL
  valueFrom:
    secretKeyRef:
      name: {{ . }}
      key: {{ $.Values.secrets.databaseUrlSecretRef.key }}
{{- else -}}
{{- include "tss.secretEnv" (list . "DATABASE_URL" false) -}}
{{- end -}}
{{- end -}}

{{/* checkov findings the chart accepts on purpose, each with its reason (docs/adr/0021). */}}
{{- define "tss.checkovSkips" -}}
checkov.io/skip1: CKV_K8S_11=No CPU limit on purpose; CFS throttling stalls the Node event loop; requests and the HPA bound CPU
checkov.io/skip2: CKV_K8S_15=IfNotPresent with immutable tags or image.digest; image.pullPolicy can be Always
checkov.io/skip3: CKV_K8S_35=The services read DATABASE_URL and keys from env, validated at start; the Secret is never logged
{{- if not .Values.image.digest }}
checkov.io/skip4: CKV_K8S_43=Set image.digest to pull by digest; the tag form stays for development installs
{{- end }}
{{- end -}}

{{/* "true" when a pdb block sets minAvailable (which then wins over maxUnavailable). */}}
{{- define "tss.pdbMinAvailableSet" -}}
{{- if and (hasKey . "minAvailable") (not (kindIs "invalid" .minAvailable)) -}}
true
{{- end -}}
{{- end -}}

{{/* A PDB value as pods of n: an integer, or a percentage rounded up as Kubernetes rounds it. Call with (list value n). */}}
{{- define "tss.pdbPods" -}}
{{- $v := index . 0 -}}
{{- $n := index . 1 | int -}}
{{- if kindIs "string" $v -}}
{{- div (add (mul (trimSuffix "%" $v | int) $n) 99) 100 -}}
{{- else -}}
{{- $v | int -}}
{{- end -}}
{{- end -}}

{{/*
Fails the render on a PodDisruptionBudget that lets no pod of the service be evicted at its least
replicas (replicas, or the HPA's minReplicas): it would block every drain of the node the pods run
on, so cluster upgrades and scale-downs hang. Call with (list "gateway" $svc).
*/}}
{{- define "tss.checkPdb" -}}
{{- $name := index . 0 -}}
{{- $svc := index . 1 -}}
{{- $least := ternary $svc.autoscaling.minReplicas $svc.replicas $svc.autoscaling.enabled | int -}}
{{- $leastSays := printf "services.%s.%s" $name (ternary "autoscaling.minReplicas" "replicas" $svc.autoscaling.enabled) -}}
{{- $blocks := "so every drain of its node (cluster upgrades, scale-down) would wait for ever" -}}
{{- if gt $least 0 -}}
{{- if include "tss.pdbMinAvailableSet" $svc.pdb -}}
{{- if ge (include "tss.pdbPods" (list $svc.pdb.minAvailable $least) | int) $least -}}
{{- fail (printf "services.%s.pdb.minAvailable (%v) lets no pod of %d (%s) be evicted, %s: lower it, raise %s, or set pdb.minAvailable=null and use pdb.maxUnavailable" $name $svc.pdb.minAvailable $least $leastSays $blocks $leastSays) -}}
{{- end -}}
{{- else if eq (include "tss.pdbPods" (list ($svc.pdb.maxUnavailable | default 1) $least) | int) 0 -}}
{{- fail (printf "services.%s.pdb.maxUnavailable (%v) lets no pod of %d (%s) be evicted, %s: use at least 1, or a percentage above 0%%" $name $svc.pdb.maxUnavailable $least $leastSays $blocks) -}}
{{- end -}}
{{- end -}}
{{- end -}}
