{{/*
Autoscaling on CPU (a HorizontalPodAutoscaler), or, with autoscaling.kafkaLag.enabled, on CPU and the lag of the
service's Kafka consumer groups through a KEDA ScaledObject (KEDA then owns the HorizontalPodAutoscaler).
*/}}
{{- define "rapport.autoscaler" -}}
{{- $a := .Values.autoscaling -}}
{{- if gt (int $a.minReplicas) (int $a.maxReplicas) -}}
{{- fail (printf "%s.autoscaling.minReplicas cannot exceed maxReplicas" .Chart.Name) -}}
{{- end -}}
{{- if $a.kafkaLag.enabled -}}
apiVersion: keda.sh/v1alpha1
kind: ScaledObject
metadata:
  name: {{ include "rapport.fullname" . }}
  labels:
    {{- include "rapport.labels" . | nindent 4 }}
spec:
  scaleTargetRef:
    name: {{ include "rapport.fullname" . }}
  minReplicaCount: {{ $a.minReplicas }}
  maxReplicaCount: {{ $a.maxReplicas }}
  triggers:
    - type: cpu
      metricType: Utilization
      metadata:
        value: {{ $a.targetCPUUtilizationPercentage | quote }}
    {{- if not $a.kafkaLag.topics }}
    {{- fail (printf "%s.autoscaling.kafkaLag.topics: name the topics whose lag scales it (it consumes none by default)" .Chart.Name) }}
    {{- end }}
    {{- range $a.kafkaLag.topics }}
    - type: kafka
      metadata:
        bootstrapServers: {{ include "rapport.kafkaBootstrap" $ }}
        consumerGroup: {{ $.Chart.Name }}
        topic: {{ include "rapport.topic" (list $ .) }}
        lagThreshold: {{ $a.kafkaLag.lagThreshold | quote }}
    {{- end }}
{{- else -}}
apiVersion: autoscaling/v2
kind: HorizontalPodAutoscaler
metadata:
  name: {{ include "rapport.fullname" . }}
  labels:
    {{- include "rapport.labels" . | nindent 4 }}
spec:
  scaleTargetRef:
    apiVersion: apps/v1
    kind: Deployment
    name: {{ include "rapport.fullname" . }}
  minReplicas: {{ $a.minReplicas }}
  maxReplicas: {{ $a.maxReplicas }}
  metrics:
    - type: Resource
      resource:
        name: cpu
        target:
          type: Utilization
          averageUtilization: {{ $a.targetCPUUtilizationPercentage }}
  behavior:
    # Scale down slowly: a Kafka consumer group rebalances every time a replica leaves.
    scaleDown:
      stabilizationWindowSeconds: 300
{{- end -}}
{{- end -}}

{{/*
Who may reach a service: the pods of the services named in calledBy (the gateway reaches the internal services,
segment-service and campaign-service reach profile-service, ...), the scrapers of global.networkPolicy.metricsFrom
on /q/metrics, and, for the service with exposed: true (the gateway), global.networkPolicy.publicFrom.
*/}}
{{- define "rapport.networkPolicy" -}}
{{- $np := .Values.global.networkPolicy -}}
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata:
  name: {{ include "rapport.fullname" . }}
  labels:
    {{- include "rapport.labels" . | nindent 4 }}
spec:
  podSelector:
    matchLabels:
      {{- include "rapport.selectorLabels" . | nindent 6 }}
  policyTypes:
    - Ingress
  ingress:
    {{- if .Values.exposed }}
    - from:
        {{- toYaml (required "global.networkPolicy.publicFrom says who reaches the gateway (the ingress controller's namespace)" $np.publicFrom) | nindent 8 }}
      ports:
        - port: http
          protocol: TCP
    {{- end }}
    {{- if .Values.calledBy }}
    - from:
        {{- range .Values.calledBy }}
        - podSelector:
            matchLabels:
              app.kubernetes.io/name: {{ . }}
              app.kubernetes.io/instance: {{ $.Release.Name }}
        {{- end }}
      ports:
        {{- /* callers use the internal gRPC API only */}}
        - port: {{ if .Values.exposed }}http{{ else }}grpc{{ end }}
          protocol: TCP
    {{- end }}
    {{- with $np.metricsFrom }}
    - from:
        {{- toYaml . | nindent 8 }}
      ports:
        - port: http
          protocol: TCP
    {{- end }}
{{- end -}}

{{- define "rapport.serviceMonitor" -}}
apiVersion: monitoring.coreos.com/v1
kind: ServiceMonitor
metadata:
  name: {{ include "rapport.fullname" . }}
  labels:
    {{- include "rapport.labels" . | nindent 4 }}
    {{- with .Values.global.serviceMonitor.labels }}
    {{- toYaml . | nindent 4 }}
    {{- end }}
spec:
  selector:
    matchLabels:
      {{- include "rapport.selectorLabels" . | nindent 6 }}
  endpoints:
    - port: http
      path: /q/metrics
      interval: {{ .Values.global.serviceMonitor.interval }}
{{- end -}}
