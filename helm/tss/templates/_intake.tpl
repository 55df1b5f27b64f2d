{{/* ticket-intake's own settings (services.ticket-intake): the reopen window, the vault, attachments. */}}

{{/* The claim attachments are stored on (attachments.storage filesystem). */}}
{{- define "tss.attachmentsClaimName" -}}
{{- $p := (index .Values.services "ticket-intake").attachments.persistence -}}
{{- default (include "tss.componentName" (list . "attachments")) $p.existingClaim -}}
{{- end -}}

{{/* The Deployments that mount the attachments claim (attachments.storage filesystem), space-separated. */}}
{{- define "tss.attachmentsClaimUsers" -}}
ticket-intake notification
{{- end -}}

{{/* "true" when this component mounts the attachments claim. Call with (list $ "ticket-intake"). */}}
{{- define "tss.mountsAttachmentsClaim" -}}
{{- $root := index . 0 -}}
{{- if and (eq (index $root.Values.services "ticket-intake").attachments.storage "filesystem") (has (index . 1) (splitList " " (include "tss.attachmentsClaimUsers" $root))) -}}
true
{{- end -}}
{{- end -}}

{{/*
A Deployment's update strategy. One that mounts a claim only one node can mount at a time
(accessModes without ReadWriteMany; for an existingClaim, accessModes states its modes) is
replaced, not surged: a surge pod on another node would wait for the volume the old pod holds
(Multi-Attach) and `helm upgrade --wait` would time out. Call with (list $ "ticket-intake").
*/}}
{{- define "tss.deploymentStrategy" -}}
{{- $p := (index (index . 0).Values.services "ticket-intake").attachments.persistence -}}
{{- if and (include "tss.mountsAttachmentsClaim" .) (not (has "ReadWriteMany" $p.accessModes)) -}}
type: Recreate
{{- else -}}
type: RollingUpdate
rollingUpdate:
  maxUnavailable: 0
  maxSurge: 1
{{- end -}}
{{- end -}}

{{/* Fails the render on settings ticket-intake would refuse at start, or that cannot work together. */}}
{{- define "tss.checkIntake" -}}
{{- $svc := index .Values.services "ticket-intake" -}}
{{- $a := $svc.attachments -}}
{{- $s := .Values.secrets -}}
{{- if and (eq $a.storage "s3") (not $a.s3.bucket) -}}
{{- fail "services.ticket-intake.attachments.s3.bucket is required when attachments.storage is s3" -}}
{{- end -}}
{{- if gt (int64 $a.maxFileBytes) (int64 $a.maxMessageBytes) -}}
{{- fail (printf "services.ticket-intake.attachments.maxMessageBytes (%d) must be at least maxFileBytes (%d)" (int64 $a.maxMessageBytes) (int64 $a.maxFileBytes)) -}}
{{- end -}}
{{- if gt (int64 $a.maxMessageBytes) (int64 .Values.services.gateway.uploadBodyLimitBytes) -}}
{{- fail (printf "services.gateway.uploadBodyLimitBytes (%d) must be at least services.ticket-intake.attachments.maxMessageBytes (%d) plus the form's overhead, or the gateway refuses uploads intake would take" (int64 .Values.services.gateway.uploadBodyLimitBytes) (int64 $a.maxMessageBytes)) -}}
{{- end -}}
{{- if ne (empty $s.attachmentS3AccessKeyId) (empty $s.attachmentS3SecretAccessKey) -}}
{{- fail "secrets.attachmentS3AccessKeyId and secrets.attachmentS3SecretAccessKey: set both or neither" -}}
{{- end -}}
{{- if and (eq $a.storage "filesystem") (not $a.persistence.existingClaim) (not (has "ReadWriteMany" $a.persistence.accessModes)) -}}
{{- $n := .Values.services.notification -}}
{{- $most := ternary $svc.autoscaling.maxReplicas $svc.replicas $svc.autoscaling.enabled -}}
{{- $mostNotification := ternary $n.autoscaling.maxReplicas $n.replicas $n.autoscaling.enabled -}}
{{- if gt (add $most $mostNotification | int) 1 -}}
{{- fail (printf "services.ticket-intake.attachments.persistence.accessModes %v cannot be mounted by %d pods (%d of ticket-intake, %d of notification, which stores inbound mail's attachments there) on different nodes: use ReadWriteMany, attachments.storage s3, or name a claim of your own in persistence.existingClaim (a single-node cluster's ReadWriteOnce)" $a.persistence.accessModes (add $most $mostNotification | int) (int $most) (int $mostNotification)) -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{/* ticket-intake's environment beyond the shared ConfigMap: one entry per setting of its parts. */}}
{{- define "tss.intakeEnv" -}}
{{- $svc := index .Values.services "ticket-intake" -}}
{{- $a := $svc.attachments -}}
- name: REOPEN_WINDOW_DAYS
  value: {{ $svc.reopenWindowDays | quote }}
- name: CREDENTIALS_DESTROY_AFTER_MINUTES
  value: {{ $svc.credentialsDestroyAfterMinutes | quote }}
{{ include "tss.attachmentStorageEnv" . }}
- name: ATTACHMENT_MAX_FILE_BYTES
  value: {{ $a.maxFileBytes | int64 | quote }}
- name: ATTACHMENT_MAX_MESSAGE_BYTES
  value: {{ $a.maxMessageBytes | int64 | quote }}
- name: ATTACHMENT_MAX_FILES
  value: {{ $a.maxFiles | quote }}
- name: ARCHIVE_MAX_ENTRIES
  value: {{ $a.archive.maxEntries | quote }}
- name: ARCHIVE_MAX_UNCOMPRESSED_BYTES
  value: {{ $a.archive.maxUncompressedBytes | int64 | quote }}
- name: ARCHIVE_MAX_RATIO
  value: {{ $a.archive.maxRatio | quote }}
{{- end -}}

{{/*
Where attachment bytes are (BlobStorageEnv): ticket-intake stores and reads them, notification
stores inbound mail's there. Both get exactly these entries (and the claim, with filesystem).
*/}}
{{- define "tss.attachmentStorageEnv" -}}
{{- $root := . -}}
{{- $a := (index .Values.services "ticket-intake").attachments -}}
- name: ATTACHMENT_STORAGE
  value: {{ $a.storage | quote }}
{{- if eq $a.storage "filesystem" }}
- name: ATTACHMENT_DIR
  value: {{ $a.dir | quote }}
{{- else }}
- name: ATTACHMENT_S3_BUCKET
  value: {{ $a.s3.bucket | quote }}
- name: ATTACHMENT_S3_REGION
  value: {{ $a.s3.region | quote }}
- name: ATTACHMENT_S3_FORCE_PATH_STYLE
  value: {{ $a.s3.forcePathStyle | quote }}
{{- with $a.s3.endpoint }}
- name: ATTACHMENT_S3_ENDPOINT
  value: {{ . | quote }}
{{- end }}
{{- with $a.s3.keyPrefix }}
- name: ATTACHMENT_S3_KEY_PREFIX
  value: {{ . | quote }}
{{- end }}
{{- with $a.s3.credentialsSecretRef.name }}
- name: ATTACHMENT_S3_ACCESS_KEY_ID
  valueFrom:
    secretKeyRef:
      name: {{ . }}
      key: {{ $a.s3.credentialsSecretRef.accessKeyIdKey }}
- name: ATTACHMENT_S3_SECRET_ACCESS_KEY
  valueFrom:
    secretKeyRef:
      name: {{ . }}
      key: {{ $a.s3.credentialsSecretRef.secretAccessKeyKey }}
{{- else }}
{{ include "tss.secretEnv" (list $root "ATTACHMENT_S3_ACCESS_KEY_ID" true) }}
{{ include "tss.secretEnv" (list $root "ATTACHMENT_S3_SECRET_ACCESS_KEY" true) }}
{{- end }}
{{- end }}
{{- end -}}
