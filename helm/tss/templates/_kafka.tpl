{{/* How the services reach Kafka: TLS, SASL and the topics they create (docs/adr/0013, addendum of 2026-12-04); their consumer groups' timings (docs/adr/0020). */}}

{{/* Where the CA Secret (config.kafkaTls.caSecretRef) is mounted. */}}
{{- define "tss.kafkaCaDir" -}}
/etc/tss/kafka-ca
{{- end -}}

{{/* Fails the render on Kafka settings the services would refuse at start, or that leave out the password. */}}
{{- define "tss.checkKafka" -}}
{{- $tls := .Values.config.kafkaTls -}}
{{- $sasl := .Values.config.kafkaSasl -}}
{{- if and $tls.caSecretRef.name (not $tls.enabled) -}}
{{- fail "config.kafkaTls.caSecretRef is set but config.kafkaTls.enabled is false: the CA is for TLS" -}}
{{- end -}}
{{- if $sasl.mechanism -}}
{{- if not $sasl.username -}}
{{- fail (printf "config.kafkaSasl.username is required with config.kafkaSasl.mechanism %s" $sasl.mechanism) -}}
{{- end -}}
{{- if not (or $sasl.passwordSecretRef.name .Values.secrets.kafkaSaslPassword .Values.secrets.existingSecret) -}}
{{- fail "config.kafkaSasl needs a password: config.kafkaSasl.passwordSecretRef (e.g. the KafkaUser's Secret), secrets.kafkaSaslPassword, or KAFKA_SASL_PASSWORD in secrets.existingSecret" -}}
{{- end -}}
{{- else if or $sasl.username $sasl.passwordSecretRef.name .Values.secrets.kafkaSaslPassword -}}
{{- fail "config.kafkaSasl.mechanism (plain, scram-sha-256, scram-sha-512) is required with a SASL username or password" -}}
{{- end -}}
{{- /* The rules every service checks at start (libs/messaging kafka-group-settings.ts), here at render. */ -}}
{{- $group := .Values.config.kafkaConsumerGroup -}}
{{- $session := int64 $group.sessionTimeoutMs -}}
{{- if ge (mul (int64 $group.heartbeatIntervalMs) 3) $session -}}
{{- fail (printf "config.kafkaConsumerGroup.heartbeatIntervalMs (%d) must be below a third of config.kafkaConsumerGroup.sessionTimeoutMs (%d): at most %d, so one late heartbeat does not cost a pod its partitions" (int64 $group.heartbeatIntervalMs) $session (sub (div (add $session 2) 3) 1)) -}}
{{- end -}}
{{- if lt (int64 $group.rebalanceTimeoutMs) $session -}}
{{- fail (printf "config.kafkaConsumerGroup.rebalanceTimeoutMs (%d) must be at least config.kafkaConsumerGroup.sessionTimeoutMs (%d): a rebalance would drop a pod its session still keeps" (int64 $group.rebalanceTimeoutMs) $session) -}}
{{- end -}}
{{- end -}}

{{/* The ConfigMap's Kafka settings beyond the brokers. */}}
{{- define "tss.kafkaConfigData" -}}
{{- include "tss.checkKafka" . -}}
{{- $tls := .Values.config.kafkaTls -}}
{{- $sasl := .Values.config.kafkaSasl -}}
KAFKA_TOPIC_REPLICATION_FACTOR: {{ .Values.config.kafkaTopicReplicationFactor | quote }}
KAFKA_SESSION_TIMEOUT_MS: {{ .Values.config.kafkaConsumerGroup.sessionTimeoutMs | int64 | quote }}
KAFKA_HEARTBEAT_INTERVAL_MS: {{ .Values.config.kafkaConsumerGroup.heartbeatIntervalMs | int64 | quote }}
KAFKA_REBALANCE_TIMEOUT_MS: {{ .Values.config.kafkaConsumerGroup.rebalanceTimeoutMs | int64 | quote }}
KAFKA_SSL: {{ $tls.enabled | toString | quote }}
{{- with $tls.caSecretRef.name }}
KAFKA_SSL_CA_FILE: {{ printf "%s/%s" (include "tss.kafkaCaDir" $) $tls.caSecretRef.key | quote }}
{{- end }}
{{- with $sasl.mechanism }}
KAFKA_SASL_MECHANISM: {{ . | quote }}
KAFKA_SASL_USERNAME: {{ $sasl.username | quote }}
{{- end }}
{{- end -}}

{{/* KAFKA_SASL_PASSWORD: from passwordSecretRef, else the chart's Secret or the existing one (not optional). */}}
{{- define "tss.kafkaEnv" -}}
{{- $sasl := .Values.config.kafkaSasl -}}
{{- if $sasl.mechanism -}}
{{- if $sasl.passwordSecretRef.name -}}
- name: KAFKA_SASL_PASSWORD
  valueFrom:
    secretKeyRef:
      name: {{ $sasl.passwordSecretRef.name }}
      key: {{ $sasl.passwordSecretRef.key }}
{{- else -}}
{{- include "tss.secretEnv" (list . "KAFKA_SASL_PASSWORD" false) -}}
{{- end -}}
{{- end -}}
{{- end -}}

{{/* The CA Secret's mount in every service container (read-only). */}}
{{- define "tss.kafkaVolumeMounts" -}}
{{- if .Values.config.kafkaTls.caSecretRef.name -}}
- name: kafka-ca
  mountPath: {{ include "tss.kafkaCaDir" . }}
  readOnly: true
{{- end -}}
{{- end -}}

{{- define "tss.kafkaVolumes" -}}
{{- with .Values.config.kafkaTls.caSecretRef -}}
{{- if .name -}}
- name: kafka-ca
  secret:
    secretName: {{ .name }}
    items:
      - key: {{ .key }}
        path: {{ .key }}
{{- end -}}
{{- end -}}
{{- end -}}
