{{/* Names and labels shared by every object of the chart. */}}

{{- define "mirrorbase.name" -}}
{{- default .Chart.Name .Values.nameOverride | trunc 63 | trimSuffix "-" }}
{{- end }}

{{- define "mirrorbase.fullname" -}}
{{- if .Values.fullnameOverride }}
{{- .Values.fullnameOverride | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- $name := default .Chart.Name .Values.nameOverride }}
{{- if contains $name .Release.Name }}
{{- .Release.Name | trunc 63 | trimSuffix "-" }}
{{- else }}
{{- printf "%s-%s" .Release.Name $name | trunc 63 | trimSuffix "-" }}
{{- end }}
{{- end }}
{{- end }}

{{- define "mirrorbase.labels" -}}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version | replace "+" "_" }}
app.kubernetes.io/name: {{ include "mirrorbase.name" . }}
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
{{- end }}

{{/* Selector labels of one component (server, mosquitto, weather-ingress, ...): pass (list . "component"). */}}
{{- define "mirrorbase.selectorLabels" -}}
{{- $root := index . 0 }}
app.kubernetes.io/name: {{ include "mirrorbase.name" $root }}
app.kubernetes.io/instance: {{ $root.Release.Name }}
app.kubernetes.io/component: {{ index . 1 }}
{{- end }}

{{- define "mirrorbase.image" -}}
{{- printf "%s:%s" .Values.image.repository (default .Chart.AppVersion .Values.image.tag) }}
{{- end }}

{{- define "mirrorbase.serviceAccountName" -}}
{{- if .Values.serviceAccount.create }}
{{- default (include "mirrorbase.fullname" .) .Values.serviceAccount.name }}
{{- else }}
{{- default "default" .Values.serviceAccount.name }}
{{- end }}
{{- end }}

{{/* The Secret the chart generates (and keeps): the server's secrets unless an existing one is named, and a development database URL. */}}
{{- define "mirrorbase.generatedSecretName" -}}
{{- printf "%s-secrets" (include "mirrorbase.fullname" .) }}
{{- end }}

{{- define "mirrorbase.generatesSecret" -}}
{{- if or (not .Values.secrets.existingSecret) .Values.database.url }}true{{ end }}
{{- end }}

{{- define "mirrorbase.secretName" -}}
{{- default (include "mirrorbase.generatedSecretName" .) .Values.secrets.existingSecret }}
{{- end }}

{{/* Where DATABASE_URL comes from: an existing Secret, or (development) the generated one. */}}
{{- define "mirrorbase.databaseSecretRef" -}}
{{- if .Values.database.existingSecret -}}
name: {{ .Values.database.existingSecret }}
key: {{ .Values.database.existingSecretKey }}
{{- else if .Values.database.url -}}
name: {{ include "mirrorbase.generatedSecretName" . }}
key: database-url
{{- else -}}
{{- fail "database: set database.existingSecret (a Secret with the PostgreSQL URL), or database.url in development" -}}
{{- end -}}
{{- end }}

{{/* The in-cluster host of an example service: pass (list . "weather-ingress"). */}}
{{- define "mirrorbase.exampleHost" -}}
{{- $root := index . 0 }}
{{- printf "%s-%s.%s.svc.%s" (include "mirrorbase.fullname" $root) (index . 1) $root.Release.Namespace $root.Values.clusterDomain }}
{{- end }}

{{/* MIRRORBASE_SERVICE_ALLOWED_HOSTS: the operator's list and the enabled example services. */}}
{{- define "mirrorbase.serviceAllowedHosts" -}}
{{- $hosts := list }}
{{- range .Values.config.serviceAllowedHosts }}{{ $hosts = append $hosts . }}{{ end }}
{{- if .Values.examples.weatherIngress.enabled }}{{ $hosts = append $hosts (include "mirrorbase.exampleHost" (list . "weather-ingress")) }}{{ end }}
{{- if .Values.examples.forecastModel.enabled }}{{ $hosts = append $hosts (include "mirrorbase.exampleHost" (list . "forecast-model")) }}{{ end }}
{{- join "," $hosts }}
{{- end }}

{{/*
The environment of every container that runs the server's image (the server, the migration and
registration Jobs): the same settings, so a Job sees what the server sees.
*/}}
{{- define "mirrorbase.env" -}}
- name: NODE_ENV
  value: {{ .Values.environment | quote }}
- name: HOST
  value: "0.0.0.0"
- name: PORT
  value: {{ .Values.port | quote }}
# Migrations are the hook Job's; a pod refuses a database that is not up to date.
- name: MIRRORBASE_MIGRATE_ON_START
  value: "false"
# Nothing is kept on disk with an external PostgreSQL: the data folder is the emptyDir at /tmp.
- name: MIRRORBASE_DATA_DIR
  value: /tmp/mirrorbase
- name: LOG_LEVEL
  value: {{ .Values.config.logLevel | quote }}
- name: MIRRORBASE_DB_POOL_SIZE
  value: {{ .Values.database.poolSize | quote }}
- name: MIRRORBASE_TRUST_PROXY
  value: {{ .Values.config.trustProxy | quote }}
{{- with .Values.config.corsOrigins }}
- name: MIRRORBASE_CORS_ORIGINS
  value: {{ . | quote }}
{{- end }}
{{- with include "mirrorbase.serviceAllowedHosts" . }}
- name: MIRRORBASE_SERVICE_ALLOWED_HOSTS
  value: {{ . | quote }}
{{- end }}
{{- if .Values.mosquitto.enabled }}
- name: MQTT_URL
  value: {{ printf "mqtt://%s-mosquitto:%d" (include "mirrorbase.fullname" .) (int .Values.mosquitto.port) | quote }}
{{- else if .Values.config.mqttUrl }}
- name: MQTT_URL
  value: {{ .Values.config.mqttUrl | quote }}
{{- end }}
- name: DATABASE_URL
  valueFrom:
    secretKeyRef:
      {{- include "mirrorbase.databaseSecretRef" . | nindent 6 }}
- name: DT_JWT_SECRET_KEY
  valueFrom:
    secretKeyRef:
      name: {{ include "mirrorbase.secretName" . }}
      key: {{ .Values.secrets.jwtSecretKey }}
- name: MIRRORBASE_METRICS_TOKEN
  valueFrom:
    secretKeyRef:
      name: {{ include "mirrorbase.secretName" . }}
      key: {{ .Values.secrets.metricsTokenKey }}
{{- if .Values.defaultUser.enabled }}
- name: DT_DEFAULT_USER_PASS
  valueFrom:
    secretKeyRef:
      name: {{ include "mirrorbase.secretName" . }}
      key: {{ .Values.secrets.defaultUserPasswordKey }}
{{- end }}
{{- with .Values.extraEnv }}
{{ toYaml . }}
{{- end }}
{{- end }}

{{/* The writable /tmp of a pod whose root file system is read-only. */}}
{{- define "mirrorbase.tmpVolume" -}}
- name: tmp
  emptyDir:
    sizeLimit: 256Mi
{{- end }}
{{- define "mirrorbase.tmpMount" -}}
- name: tmp
  mountPath: /tmp
{{- end }}
