{{/* Who may call the API and with what: staff single sign-on; extra variables, from Secrets too. */}}

{{/* Fails the render on sign-in settings the services would refuse at start, or that do nothing. */}}
{{- define "tss.checkAccess" -}}
{{- $id := .Values.services.gateway.bootstrapClientId -}}
{{- $secret := .Values.secrets.bootstrapClientSecret -}}
{{- if and .Values.secrets.existingSecret $secret -}}
{{- fail (printf "secrets.bootstrapClientSecret is not used with secrets.existingSecret (%s): put TSS_BOOTSTRAP_CLIENT_SECRET in that Secret" .Values.secrets.existingSecret) -}}
{{- else if and $id (not $secret) (not .Values.secrets.existingSecret) -}}
{{- fail "services.gateway.bootstrapClientId needs secrets.bootstrapClientSecret (TSS_BOOTSTRAP_CLIENT_SECRET, 16 to 500 characters): without it the gateway stops at its first start" -}}
{{- else if and $secret (not $id) -}}
{{- fail "secrets.bootstrapClientSecret is set, but services.gateway.bootstrapClientId is empty: the gateway makes no admin client without an id; set both, or neither" -}}
{{- end -}}
{{- $o := .Values.config.oidc -}}
{{- $given := compact (list $o.issuer $o.audience $o.jwksUrl) -}}
{{- if and $given (lt (len $given) 3) -}}
{{- fail "config.oidc: issuer, audience and jwksUrl go together (TSS_OIDC_ISSUER, _AUDIENCE, _JWKS_URL): set all three or none" -}}
{{- end -}}
{{- end -}}

{{/*
A container's extra variables: config.extraEnv entries that come from a Secret or ConfigMap key
(literal ones are in the ConfigMap), unless the service names the variable itself, then the
service's own services.<name>.env. Call with (list $ $svc).
*/}}
{{- define "tss.extraEnv" -}}
{{- $root := index . 0 -}}
{{- $own := (index . 1).env | default dict -}}
{{- range $k, $v := $root.Values.config.extraEnv }}
{{- if and (kindIs "map" $v) (not (hasKey $own $k)) }}
- name: {{ $k }}
  valueFrom:
    {{- toYaml $v.valueFrom | nindent 4 }}
{{- end }}
{{- end }}
{{- range $k, $v := $own }}
- name: {{ $k }}
{{- if kindIs "map" $v }}
  valueFrom:
    {{- toYaml $v.valueFrom | nindent 4 }}
{{- else }}
  value: {{ $v | toString | quote }}
{{- end }}
{{- end }}
{{- end -}}
