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

{{/*
The most pods a service can run at once, given the umbrella's values of that service (with the
service chart's defaults coalesced in): its replica ceiling (maxReplicas when it autoscales, else
replicas) plus what a rollout adds on top - a traffic-routed canary keeps the whole stable set and adds
ceil(max setWeight % of it); a replica-ratio canary or a rolling update surges by 25%.
Called with (dict "svc" <service values> "global" <its global>: the service chart's defaults included).
*/}}
{{- define "platform.maxPods" -}}
{{- $svc := .svc -}}
{{- $n := int $svc.replicas -}}
{{- if and $svc.autoscaling.enabled .global.autoscaling.enabled -}}
{{- $n = int $svc.autoscaling.maxReplicas -}}
{{- end -}}
{{- $extraPercent := 25 -}}
{{- if and $svc.canary.enabled (eq $svc.profile "http") -}}
{{- $steps := $svc.canary.steps | default (index .global.canary.steps $svc.profile) -}}
{{- range $steps -}}
{{- if and (hasKey . "setWeight") (gt (int .setWeight) $extraPercent) -}}
{{- $extraPercent = int .setWeight -}}
{{- end -}}
{{- end -}}
{{- end -}}
{{- add $n (div (add (mul $n $extraPercent) 99) 100) -}}
{{- end }}

{{/* The image of a service, as its own chart renders it (digest over tag). */}}
{{- define "platform.imageOf" -}}
{{- $svc := index .root.Values .name -}}
{{- $g := $svc.global -}}
{{- $repo := $svc.image.repository | default (printf "%s/matjip-%s" $g.image.registry .name) -}}
{{- if $svc.image.digest -}}
{{ $repo }}@{{ $svc.image.digest }}
{{- else -}}
{{ $repo }}:{{ $svc.image.tag | default $g.image.tag }}
{{- end -}}
{{- end }}

{{/* The web app's labels (templates/web.yaml). */}}
{{- define "web.selectorLabels" -}}
app.kubernetes.io/name: web
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/component: server
{{- end }}

{{- define "web.labels" -}}
{{ include "web.selectorLabels" .root }}
app.kubernetes.io/part-of: matjip
app.kubernetes.io/managed-by: {{ .root.Release.Service }}
app.kubernetes.io/version: {{ .tag | trunc 63 | quote }}
helm.sh/chart: {{ printf "%s-%s" .root.Chart.Name .root.Chart.Version | replace "+" "_" }}
{{- end }}
