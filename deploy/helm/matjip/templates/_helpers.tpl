{{/* Namespace-wide objects render with the whole platform, or alone as Argo CD's "platform" Application. */}}
{{- define "platform.selected" -}}
{{- $only := .Values.global.only | default "" -}}
{{- if or (eq $only "") (eq $only "platform") -}}true{{- end -}}
{{- end }}

{{- define "platform.labels" -}}
app.kubernetes.io/name: matjip-platform
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/part-of: matjip
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
{{- end }}
