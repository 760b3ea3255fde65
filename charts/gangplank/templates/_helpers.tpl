{{/* Names: the release name, shortened to what object names allow. */}}
{{- define "gangplank.fullname" -}}
{{- if contains .Chart.Name .Release.Name -}}
{{- .Release.Name | trunc 50 | trimSuffix "-" -}}
{{- else -}}
{{- printf "%s-%s" .Release.Name .Chart.Name | trunc 50 | trimSuffix "-" -}}
{{- end -}}
{{- end -}}

{{- define "gangplank.webhookName" -}}{{ include "gangplank.fullname" . }}-webhook{{- end -}}
{{- define "gangplank.schedulerName" -}}{{ include "gangplank.fullname" . }}-scheduler{{- end -}}
{{- define "gangplank.tlsSecretName" -}}
{{- if eq .Values.webhook.tls.mode "provided" -}}
{{- required "webhook.tls.provided.secretName is required when webhook.tls.mode is provided" .Values.webhook.tls.provided.secretName -}}
{{- else -}}
{{- include "gangplank.webhookName" . }}-tls
{{- end -}}
{{- end -}}

{{- define "gangplank.labels" -}}
app.kubernetes.io/name: gangplank
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/part-of: gangplank
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}

{{- define "gangplank.selector" -}}
app.kubernetes.io/name: gangplank
app.kubernetes.io/instance: {{ .root.Release.Name }}
app.kubernetes.io/component: {{ .component }}
{{- end -}}

{{- define "gangplank.image" -}}
{{ .Values.image.repository }}:{{ .Values.image.tag | default .Chart.AppVersion }}
{{- end -}}

{{/* The webhook Service's DNS names: what the serving certificate must cover. */}}
{{- define "gangplank.webhookDNSNames" -}}
{{- $svc := include "gangplank.webhookName" . -}}
{{- $names := list (printf "%s.%s.svc" $svc .Release.Namespace) (printf "%s.%s.svc.cluster.local" $svc .Release.Namespace) -}}
{{- concat $names .Values.webhook.tls.extraDNSNames | join "," -}}
{{- end -}}

{{/* Pod-level hardening shared by every Gangplank pod. */}}
{{- define "gangplank.podSecurityContext" -}}
runAsNonRoot: true
runAsUser: {{ .Values.securityContext.runAsUser }}
runAsGroup: {{ .Values.securityContext.runAsGroup }}
seccompProfile:
  type: RuntimeDefault
{{- end -}}

{{/* Container-level hardening shared by every container. */}}
{{- define "gangplank.containerSecurityContext" -}}
runAsNonRoot: true
runAsUser: {{ .Values.securityContext.runAsUser }}
runAsGroup: {{ .Values.securityContext.runAsGroup }}
allowPrivilegeEscalation: false
readOnlyRootFilesystem: true
capabilities:
  drop: [ALL]
seccompProfile:
  type: RuntimeDefault
{{- end -}}

{{/* Gangplank's configuration file: the user's, with the scheduler names of this release. */}}
{{- define "gangplank.config" -}}
{{- $config := deepCopy .Values.config -}}
{{- $_ := set $config "schedulerName" .Values.scheduler.name -}}
{{- $_ := set $config "schedulerNameAliases" .Values.scheduler.aliases -}}
{{- toYaml $config -}}
{{- end -}}
