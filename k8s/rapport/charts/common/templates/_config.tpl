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
quarkus.http.port={{ include "rapport.port" . }}
{{- if not .Values.exposed }}
quarkus.grpc.server.host=0.0.0.0
quarkus.grpc.server.port={{ include "rapport.grpcPort" . }}
{{- end }}
# The root filesystem is read-only; /tmp is the pod's own small volume. No API takes file uploads.
quarkus.http.body.handle-file-uploads=false
# In-flight requests finish when a pod stops (the preStop pause lets Services stop sending it new ones first).
quarkus.shutdown.timeout=20s
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
quarkus.grpc.clients.{{ $client }}.port={{ include "rapport.grpcPort" $ }}
{{- end }}
{{- range $key, $value := .Values.properties }}
{{ $key }}={{ tpl (toString $value) $ }}
{{- end }}
{{- range $key, $value := .Values.config }}
{{- /* YAML numbers arrive as floats (1000000 would print 1e+06); the schema allows whole numbers only */}}
{{ $key }}={{ if kindIs "float64" $value }}{{ int64 $value }}{{ else }}{{ $value }}{{ end }}
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
