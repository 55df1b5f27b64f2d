{{/* notification's own settings (services.notification): outbound and inbound mail. */}}

{{/*
Outbound SMTP as JSON (host, port, secure, user, password): services.notification.smtp with
secrets.smtpPassword, or the smtp[s]://user:password@host[:port] of earlier values
(secrets.smtpUrl), read into the same parts. notification reads MAIL_SMTP_HOST, _PORT, _SECURE,
_USER and _PASSWORD (services/notification/src/parts/mail.part.ts), never a URL.
*/}}
{{- define "tss.smtp" -}}
{{- $s := .Values.secrets -}}
{{- $smtp := .Values.services.notification.smtp -}}
{{- if not $s.smtpUrl -}}
{{- toJson (dict "host" $smtp.host "port" ($smtp.port | toString) "secure" $smtp.secure "user" $smtp.user "password" $s.smtpPassword) -}}
{{- else -}}
{{- if $smtp.host -}}
{{- fail "secrets.smtpUrl and services.notification.smtp.host: set one (smtpUrl is the earlier form of services.notification.smtp.* and secrets.smtpPassword)" -}}
{{- end -}}
{{- $u := urlParse $s.smtpUrl -}}
{{- $secure := eq $u.scheme "smtps" -}}
{{- $user := splitn ":" 2 $u.userinfo -}}
{{- if contains "%" $u.userinfo -}}
{{- fail "secrets.smtpUrl: a user or password with characters a URL must escape cannot be read from it; set services.notification.smtp.user and secrets.smtpPassword instead" -}}
{{- end -}}
{{- if and $user._1 $s.smtpPassword -}}
{{- fail "secrets.smtpUrl holds a password and secrets.smtpPassword is set too: set one" -}}
{{- end -}}
{{- if and $user._1 $s.existingSecret -}}
{{- fail (printf "secrets.smtpUrl holds a password, but the chart makes no Secret (secrets.existingSecret is %s): put it in that Secret as MAIL_SMTP_PASSWORD and set services.notification.smtp.*" $s.existingSecret) -}}
{{- end -}}
{{- $port := regexFind ":[0-9]+$" $u.host | trimPrefix ":" | default (ternary "465" "587" $secure) -}}
{{- toJson (dict "host" $u.hostname "port" $port "secure" $secure "user" $user._0 "password" (default $s.smtpPassword $user._1)) -}}
{{- end -}}
{{- end -}}

{{/* notification's outbound mail variables; none without an SMTP host (mail then stays in its local outbox). */}}
{{- define "tss.smtpEnv" -}}
{{- $smtp := include "tss.smtp" . | fromJson -}}
{{- if $smtp.host }}
- name: MAIL_SMTP_HOST
  value: {{ $smtp.host | quote }}
- name: MAIL_SMTP_PORT
  value: {{ $smtp.port | quote }}
- name: MAIL_SMTP_SECURE
  value: {{ $smtp.secure | toString | quote }}
{{- with $smtp.user }}
- name: MAIL_SMTP_USER
  value: {{ . | quote }}
{{- end }}
{{- /* A user without its password fails every delivery: required then (a missing key stops the pod, naming it). */}}
{{ include "tss.secretEnv" (list . "MAIL_SMTP_PASSWORD" (not $smtp.user)) }}
{{- end }}
{{- end -}}

{{/* Fails the render on mail settings notification could not use. */}}
{{- define "tss.checkNotification" -}}
{{- $smtp := include "tss.smtp" . | fromJson -}}
{{- if and $smtp.user (not $smtp.password) (not .Values.secrets.existingSecret) -}}
{{- fail "services.notification.smtp.user needs secrets.smtpPassword (MAIL_SMTP_PASSWORD)" -}}
{{- end -}}
{{- /* MAIL_FROM defaults to support@tss.local: a developer's. Given as a variable of its own, it counts. */ -}}
{{- $n := .Values.services.notification -}}
{{- $fromGiven := or $n.mailFrom (hasKey ($n.env | default dict) "MAIL_FROM") (hasKey (.Values.config.extraEnv | default dict) "MAIL_FROM") -}}
{{- /* The SMTP server given as a variable of its own sends mail too. */ -}}
{{- $smtpHost := $smtp.host | default (get ($n.env | default dict) "MAIL_SMTP_HOST") | default (get (.Values.config.extraEnv | default dict) "MAIL_SMTP_HOST") -}}
{{- if and $smtpHost (not $fromGiven) -}}
{{- fail (printf "services.notification.mailFrom is required when mail is sent (SMTP server %s): our own address, e.g. \"TSS Support <support@example.com>\" (MAIL_FROM); without it every mail goes out from support@tss.local" $smtpHost) -}}
{{- else if and (or $n.inboundSmtp.enabled (hasKey ($n.env | default dict) "INBOUND_SMTP_PORT") (hasKey (.Values.config.extraEnv | default dict) "INBOUND_SMTP_PORT")) (not $fromGiven) -}}
{{- fail "services.notification.mailFrom is required with inboundSmtp.enabled (or INBOUND_SMTP_PORT as a variable): our own address, e.g. \"TSS Support <support@example.com>\" (MAIL_FROM); the SMTP listener takes recipients of its domain (more in env.INBOUND_SMTP_DOMAINS), without it only @tss.local" -}}
{{- end -}}
{{- end -}}
