{{/* The service name: the umbrella's alias (auth, order, ...) unless set. */}}
{{- define "svc.name" -}}
{{- .Values.name | default .Chart.Name -}}
{{- end }}

{{/* "true" when this service is rendered: everything, or only it (Argo CD renders one per Application). */}}
{{- define "svc.selected" -}}
{{- $only := .Values.global.only | default "" -}}
{{- if or (eq $only "") (eq $only (include "svc.name" .)) -}}true{{- end -}}
{{- end }}

{{- define "svc.rollout" -}}
{{- if .Values.canary.enabled -}}true{{- end -}}
{{- end }}

{{/* Traffic-routed canary: http services on Argo Rollouts. */}}
{{- define "svc.trafficRouted" -}}
{{- if and .Values.canary.enabled (eq .Values.profile "http") -}}true{{- end -}}
{{- end }}

{{- define "svc.selectorLabels" -}}
app.kubernetes.io/name: {{ include "svc.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end }}

{{/* Long-running server pods; migration Job pods carry component=migrate and are not selected. */}}
{{- define "svc.serverSelectorLabels" -}}
{{ include "svc.selectorLabels" . }}
app.kubernetes.io/component: server
{{- end }}

{{- define "svc.labels" -}}
{{ include "svc.selectorLabels" . }}
app.kubernetes.io/part-of: matjip
app.kubernetes.io/managed-by: {{ .Release.Service }}
app.kubernetes.io/version: {{ include "svc.imageTag" . | trunc 63 | quote }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
matjip.io/profile: {{ .Values.profile }}
{{- end }}

{{- define "svc.imageTag" -}}
{{- .Values.image.tag | default .Values.global.image.tag -}}
{{- end }}

{{- define "svc.image" -}}
{{- $repo := .Values.image.repository | default (printf "%s/matjip-%s" .Values.global.image.registry (include "svc.name" .)) -}}
{{- if .Values.image.digest -}}
{{ $repo }}@{{ .Values.image.digest }}
{{- else -}}
{{ $repo }}:{{ include "svc.imageTag" . }}
{{- end -}}
{{- end }}

{{- define "svc.module" -}}
matjip_{{ include "svc.name" . }}
{{- end }}

{{/* Non-secret environment (docs/conventions.md), as a flat map: shared by the ConfigMap and the migration Job. */}}
{{- define "svc.config" -}}
{{- $name := include "svc.name" . -}}
{{- $cfg := dict
  "MATJIP_SERVICE_NAME" $name
  "MATJIP_ENVIRONMENT" .Values.global.environment
  "MATJIP_DB_SCHEMA" (required "dbSchema is required" .Values.dbSchema)
  "MATJIP_HTTP_HOST" "0.0.0.0"
  "MATJIP_HTTP_PORT" (toString .Values.port)
  "MATJIP_SHUTDOWN_TIMEOUT_SECONDS" (toString .Values.global.termination.drainSeconds)
  "MATJIP_JWKS_URL" (printf "http://auth.%s.svc.cluster.local/api/auth/.well-known/jwks.json" .Release.Namespace)
-}}
{{- if .Values.secrets.signingKeys }}
{{- $_ := set $cfg "MATJIP_AUTH_KEY_DIR" "/var/run/matjip/keys" }}
{{- end }}
{{- $cfg = merge (deepCopy .Values.env) (deepCopy .Values.global.config) $cfg -}}
{{- range $k, $v := $cfg }}
{{ $k }}: {{ toString $v | quote }}
{{- end }}
{{- end }}

{{- define "svc.secretName" -}}
{{ include "svc.name" . }}-env
{{- end }}

{{- define "svc.podSecurityContext" -}}
runAsNonRoot: true
runAsUser: 10001
runAsGroup: 10001
fsGroup: 10001
seccompProfile:
  type: RuntimeDefault
{{- end }}

{{- define "svc.containerSecurityContext" -}}
runAsNonRoot: true
allowPrivilegeEscalation: false
privileged: false
readOnlyRootFilesystem: true
capabilities:
  drop: ["ALL"]
{{- end }}

{{/* The workload the autoscalers scale: the Rollout itself (never its ReplicaSets) or the Deployment. */}}
{{- define "svc.scaleTargetRef" -}}
{{- if include "svc.rollout" . -}}
apiVersion: argoproj.io/v1alpha1
kind: Rollout
{{- else -}}
apiVersion: apps/v1
kind: Deployment
{{- end }}
name: {{ include "svc.name" . }}
{{- end }}

{{- define "svc.canarySteps" -}}
{{- $steps := .Values.canary.steps | default (index .Values.global.canary.steps .Values.profile) -}}
{{- toYaml $steps -}}
{{- end }}

{{/* Argo CD sync wave for objects the migration Job needs (it runs in wave -1): ConfigMap, ServiceAccount,
ExternalSecret and NetworkPolicy. A map, maybe empty. tests/deploy/test_sync_order.py checks the rule. */}}
{{- define "svc.earlyWave" -}}
{{- if eq .Values.global.migrations.hook "argocd" -}}
argocd.argoproj.io/sync-wave: "-2"
{{- end -}}
{{- end }}

{{- define "svc.autoscaled" -}}
{{- if and .Values.autoscaling.enabled .Values.global.autoscaling.enabled -}}true{{- end -}}
{{- end }}

{{/* The service's Kafka consumer group, as the broker knows it (docs/conventions.md). */}}
{{- define "svc.consumerGroup" -}}
{{- printf "%smatjip-%s" (.Values.global.config.MATJIP_KAFKA_TOPIC_PREFIX | default "") (include "svc.name" .) -}}
{{- end }}

{{/*
Total lag of the service's consumer group as the broker sees it (end offset minus committed offset,
per partition), exported by kafka-exporter. Read from the broker, not from the consumer: a consumer
that hangs stops updating its own gauge, while its committed offsets stand still and this grows.
*/}}
{{- define "svc.brokerLagQuery" -}}
{{- printf "sum(kafka_consumergroup_lag{%s, consumergroup=\"%s\"})" .Values.global.kafkaExporter.selector (include "svc.consumerGroup" .) -}}
{{- end }}

{{/* The template-data key of one secrets.extra entry (its env name, lower-cased). */}}
{{- define "svc.extraSecretKey" -}}
{{- .env | lower -}}
{{- end }}
