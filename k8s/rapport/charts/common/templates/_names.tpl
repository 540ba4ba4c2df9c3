{{/* Names and labels. A service's resources are named "<release>-<service>" unless fullnameOverride says otherwise. */}}

{{- define "rapport.fullname" -}}
{{- printf "%s-%s" .Release.Name .Chart.Name -}}
{{- end -}}

{{/* Every service listens on one HTTP port: HTTP/1.1, WebSocket, health and metrics (and the gateway's public gRPC). */}}
{{- define "rapport.port" -}}
8080
{{- end -}}

{{/* The internal services serve their gRPC API on a port of their own, from grpc-java's server (libs/runtime says why). */}}
{{- define "rapport.grpcPort" -}}
9000
{{- end -}}

{{/* The name of another service of this release (for calls and network policies): rapport.peer (list $ "profile-service"). */}}
{{- define "rapport.peer" -}}
{{- printf "%s-%s" (index . 0).Release.Name (index . 1) -}}
{{- end -}}

{{- define "rapport.selectorLabels" -}}
app.kubernetes.io/name: {{ .Chart.Name }}
app.kubernetes.io/instance: {{ .Release.Name }}
{{- end -}}

{{- define "rapport.labels" -}}
{{ include "rapport.selectorLabels" . }}
app.kubernetes.io/part-of: rapport
app.kubernetes.io/component: service
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}

{{- define "rapport.image" -}}
{{- $g := .Values.global.image -}}
{{- $repo := .Values.image.repository | default (printf "rapport/%s" .Chart.Name) -}}
{{- $tag := .Values.image.tag | default $g.tag | default .Chart.AppVersion -}}
{{- if $g.registry -}}
{{- printf "%s/%s:%s" $g.registry $repo $tag -}}
{{- else -}}
{{- printf "%s:%s" $repo $tag -}}
{{- end -}}
{{- end -}}

{{/* The topic name as the services see it (DESIGN.md topics behind global.kafka.topicPrefix). */}}
{{- define "rapport.topic" -}}
{{- printf "%s%s" (index . 0).Values.global.kafka.topicPrefix (index . 1) -}}
{{- end -}}

{{- define "rapport.kafkaBootstrap" -}}
{{- if .Values.global.kafka.bundled -}}
{{- printf "%s-kafka-kafka-bootstrap:9092" .Release.Name -}}
{{- else -}}
{{- required "global.kafka.bootstrapServers is required when global.kafka.bundled is false" .Values.global.kafka.bootstrapServers -}}
{{- end -}}
{{- end -}}

{{/* The database a service uses: its own CloudNativePG cluster, or the external server (per-service overrides first). */}}
{{- define "rapport.database" -}}
{{- $pg := .Values.global.postgresql -}}
{{- $own := .Values.database | default dict -}}
{{- if $pg.bundled -}}
host: {{ printf "%s-%s-db-rw" .Release.Name .Chart.Name | quote }}
port: 5432
name: rapport
secret: {{ printf "%s-%s-db-app" .Release.Name .Chart.Name | quote }}
usernameKey: username
passwordKey: password
{{- else -}}
host: {{ $own.host | default $pg.host | required "global.postgresql.host is required when global.postgresql.bundled is false" | quote }}
port: {{ $own.port | default $pg.port }}
name: {{ $own.name | default $pg.database | quote }}
secret: {{ $own.existingSecret | default $pg.existingSecret | required "global.postgresql.existingSecret is required when global.postgresql.bundled is false" | quote }}
usernameKey: {{ $pg.usernameKey | quote }}
passwordKey: {{ $pg.passwordKey | quote }}
{{- end -}}
{{- end -}}

{{- define "rapport.keysSecret" -}}
{{- .Values.global.secrets.existingSecret | default (printf "%s-keys" .Release.Name) -}}
{{- end -}}
