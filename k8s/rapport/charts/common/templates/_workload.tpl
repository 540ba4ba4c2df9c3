{{/* Everything one Rapport service needs: include "rapport.service" . from the service's chart. */}}
{{- define "rapport.service" -}}
{{ include "rapport.configMap" . }}
---
{{ include "rapport.serviceAccount" . }}
---
{{ include "rapport.deployment" . }}
---
{{ include "rapport.kubeService" . }}
{{- if .Values.podDisruptionBudget.enabled }}
---
{{ include "rapport.podDisruptionBudget" . }}
{{- end }}
{{- if .Values.autoscaling.enabled }}
---
{{ include "rapport.autoscaler" . }}
{{- end }}
{{- if .Values.global.networkPolicy.enabled }}
---
{{ include "rapport.networkPolicy" . }}
{{- end }}
{{- if .Values.global.serviceMonitor.enabled }}
---
{{ include "rapport.serviceMonitor" . }}
{{- end }}
{{- end -}}

{{- define "rapport.serviceAccount" -}}
apiVersion: v1
kind: ServiceAccount
metadata:
  name: {{ include "rapport.fullname" . }}
  labels:
    {{- include "rapport.labels" . | nindent 4 }}
# The services never call the Kubernetes API.
automountServiceAccountToken: false
{{- end -}}

{{- define "rapport.deployment" -}}
{{- $db := include "rapport.database" . | fromYaml -}}
{{- $g := .Values.global -}}
apiVersion: apps/v1
kind: Deployment
metadata:
  name: {{ include "rapport.fullname" . }}
  labels:
    {{- include "rapport.labels" . | nindent 4 }}
spec:
  {{- if not .Values.autoscaling.enabled }}
  replicas: {{ .Values.replicaCount }}
  {{- end }}
  revisionHistoryLimit: 5
  strategy:
    type: RollingUpdate
    rollingUpdate:
      maxSurge: 1
      maxUnavailable: 0
  selector:
    matchLabels:
      {{- include "rapport.selectorLabels" . | nindent 6 }}
  template:
    metadata:
      labels:
        {{- include "rapport.labels" . | nindent 8 }}
      annotations:
        # A changed configuration rolls the pods.
        checksum/config: {{ include "rapport.properties" . | sha256sum }}
        {{- with .Values.podAnnotations }}
        {{- toYaml . | nindent 8 }}
        {{- end }}
    spec:
      serviceAccountName: {{ include "rapport.fullname" . }}
      automountServiceAccountToken: false
      enableServiceLinks: false
      {{- with $g.image.pullSecrets }}
      imagePullSecrets:
        {{- range . }}
        - name: {{ . }}
        {{- end }}
      {{- end }}
      securityContext:
        runAsNonRoot: true
        runAsUser: 65532
        runAsGroup: 65532
        fsGroup: 65532
        seccompProfile:
          type: RuntimeDefault
      terminationGracePeriodSeconds: {{ .Values.terminationGracePeriodSeconds }}
      containers:
        - name: {{ .Chart.Name }}
          image: {{ include "rapport.image" . | quote }}
          imagePullPolicy: {{ $g.image.pullPolicy }}
          ports:
            - name: http
              containerPort: {{ include "rapport.port" . }}
              protocol: TCP
            {{- if not .Values.exposed }}
            - name: grpc
              containerPort: {{ include "rapport.grpcPort" . }}
              protocol: TCP
            {{- end }}
          env:
            - name: JAVA_TOOL_OPTIONS
              value: {{ .Values.jvmOptions | quote }}
            - name: QUARKUS_DATASOURCE_USERNAME
              valueFrom:
                secretKeyRef:
                  name: {{ $db.secret }}
                  key: {{ $db.usernameKey }}
            - name: QUARKUS_DATASOURCE_PASSWORD
              valueFrom:
                secretKeyRef:
                  name: {{ $db.secret }}
                  key: {{ $db.passwordKey }}
            {{- range .Values.secretEnv }}
            - name: {{ .name }}
              valueFrom:
                secretKeyRef:
                  name: {{ include "rapport.keysSecret" $ }}
                  key: {{ .key }}
                  {{- if .optional }}
                  optional: true
                  {{- end }}
            {{- end }}
            {{- range .Values.env }}
            - name: {{ .name }}
              value: {{ .value | quote }}
            {{- end }}
            {{- with .Values.extraEnv }}
            {{- toYaml . | nindent 12 }}
            {{- end }}
          volumeMounts:
            - name: config
              mountPath: /deployments/config
              readOnly: true
            - name: tmp
              mountPath: /tmp
          lifecycle:
            # Endpoints drop the pod while it still serves; then Quarkus finishes what is in flight.
            preStop:
              sleep:
                seconds: 5
          # Started: migrations ran and the service listens; live: not wedged; ready: its database and Kafka answer.
          startupProbe:
            httpGet:
              path: /q/health/started
              port: http
            periodSeconds: 5
            failureThreshold: {{ div .Values.startupSeconds 5 }}
          livenessProbe:
            httpGet:
              path: /q/health/live
              port: http
            periodSeconds: 10
            timeoutSeconds: 3
            failureThreshold: 3
          readinessProbe:
            httpGet:
              path: /q/health/ready
              port: http
            periodSeconds: 5
            timeoutSeconds: 3
            failureThreshold: 3
          resources:
            {{- toYaml .Values.resources | nindent 12 }}
          securityContext:
            runAsNonRoot: true
            allowPrivilegeEscalation: false
            privileged: false
            readOnlyRootFilesystem: true
            capabilities:
              drop:
                - ALL
      volumes:
        - name: config
          configMap:
            name: {{ include "rapport.fullname" . }}
        # The only writable place: Kafka's compression codecs and Vert.x unpack native libraries and served files
        # here, and chatbot-service its tokenizer and ONNX runtime.
        - name: tmp
          emptyDir:
            sizeLimit: {{ .Values.tmpSize }}
      {{- with .Values.nodeSelector }}
      nodeSelector:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      {{- with .Values.tolerations }}
      tolerations:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      {{- with .Values.affinity }}
      affinity:
        {{- toYaml . | nindent 8 }}
      {{- end }}
      # Replicas spread over nodes and zones when the cluster has them.
      topologySpreadConstraints:
        - maxSkew: 1
          topologyKey: kubernetes.io/hostname
          whenUnsatisfiable: ScheduleAnyway
          labelSelector:
            matchLabels:
              {{- include "rapport.selectorLabels" . | nindent 14 }}
        - maxSkew: 1
          topologyKey: topology.kubernetes.io/zone
          whenUnsatisfiable: ScheduleAnyway
          labelSelector:
            matchLabels:
              {{- include "rapport.selectorLabels" . | nindent 14 }}
{{- end -}}

{{- define "rapport.kubeService" -}}
apiVersion: v1
kind: Service
metadata:
  name: {{ include "rapport.fullname" . }}
  labels:
    {{- include "rapport.labels" . | nindent 4 }}
spec:
  type: ClusterIP
  selector:
    {{- include "rapport.selectorLabels" . | nindent 4 }}
  ports:
    # HTTP/1.1, WebSocket, health and metrics (and the gateway's public gRPC).
    - name: http
      port: {{ include "rapport.port" . }}
      targetPort: http
      protocol: TCP
    {{- if not .Values.exposed }}
    # The internal gRPC API.
    - name: grpc
      port: {{ include "rapport.grpcPort" . }}
      targetPort: grpc
      protocol: TCP
    {{- end }}
{{- end -}}

{{- define "rapport.podDisruptionBudget" -}}
apiVersion: policy/v1
kind: PodDisruptionBudget
metadata:
  name: {{ include "rapport.fullname" . }}
  labels:
    {{- include "rapport.labels" . | nindent 4 }}
spec:
  maxUnavailable: {{ .Values.podDisruptionBudget.maxUnavailable }}
  selector:
    matchLabels:
      {{- include "rapport.selectorLabels" . | nindent 6 }}
{{- end -}}
