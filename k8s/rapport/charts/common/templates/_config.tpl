{{/*
The service's configuration: an application.properties file mounted at /deployments/config (Quarkus reads it
over the built-in defaults). Secrets never go here: they come from Secrets as environment variables.
*/}}
{{- define "rapport.configMap" -}}
{{- $db := include "rapport.database" . | fromYaml -}}
apiVersion: v1
kind: ConfigMap
metadata:
  name: {{ include "rapport.fullname" . }}
  labels:
    {{- include "rapport.labels" . | nindent 4 }}
data:
  application.properties: |
    {{- include "rapport.properties" . | nindent 4 }}
{{- end -}}

{{- define "rapport.properties" -}}
{{- $db := include "rapport.database" . | fromYaml -}}
{{- $g := .Values.global -}}
# Rendered by the Helm chart; see k8s/README.md.
quarkus.http.host=0.0.0.0
quarkus.http.port={{ .Values.port }}
# The root filesystem is read-only. No API takes file uploads (imports are JSON or CSV bodies); form handling still
# wants an uploads directory to exist, and /tmp does. Vert.x unpacks class-path files it serves into a cache
# directory: only services with a writable cache (the gateway's web pages) keep that on.
quarkus.http.body.handle-file-uploads=false
quarkus.http.body.uploads-directory=/tmp
{{- if not .Values.cache.enabled }}
quarkus.vertx.caching=false
quarkus.vertx.classpath-resolving=false
{{- end }}
kafka.bootstrap.servers={{ include "rapport.kafkaBootstrap" . }}
rapport.topic-prefix={{ $g.kafka.topicPrefix }}
rapport.db.host={{ $db.host }}
rapport.db.port={{ $db.port }}
rapport.db.name={{ $db.name }}
quarkus.otel.sdk.disabled={{ not $g.otel.enabled }}
{{- if $g.otel.enabled }}
quarkus.otel.exporter.otlp.traces.endpoint={{ required "global.otel.endpoint is required when global.otel.enabled" $g.otel.endpoint }}
quarkus.otel.exporter.otlp.traces.protocol={{ $g.otel.protocol }}
quarkus.otel.resource.attributes=deployment.environment={{ $g.environment }}
{{- end }}
{{- if .Values.oidc }}
quarkus.oidc.auth-server-url={{ include "rapport.oidcUrl" . }}
quarkus.oidc.token.issuer={{ include "rapport.oidcIssuer" . }}
{{- end }}
{{- range $client, $service := .Values.calls }}
quarkus.grpc.clients.{{ $client }}.host={{ include "rapport.peer" (list $ $service) }}
quarkus.grpc.clients.{{ $client }}.port={{ $.Values.port }}
{{- end }}
{{- range $key, $value := .Values.properties }}
{{ $key }}={{ tpl (toString $value) $ }}
{{- end }}
{{- range $key, $value := .Values.config }}
{{ $key }}={{ toString $value }}
{{- end }}
{{- end -}}

{{- define "rapport.oidcUrl" -}}
{{- if .Values.global.oidc.url -}}
{{- .Values.global.oidc.url -}}
{{- else if .Values.global.keycloak.bundled -}}
{{- printf "http://%s-keycloak-service:8080/realms/rapport" .Release.Name -}}
{{- else -}}
{{- fail "global.oidc.url is required when global.keycloak.bundled is false" -}}
{{- end -}}
{{- end -}}

{{- define "rapport.oidcIssuer" -}}
{{- if .Values.global.oidc.issuer -}}
{{- .Values.global.oidc.issuer -}}
{{- else if .Values.global.keycloak.bundled -}}
{{- printf "https://%s/realms/rapport" .Values.global.keycloak.hostname -}}
{{- else -}}
{{- include "rapport.oidcUrl" . -}}
{{- end -}}
{{- end -}}
