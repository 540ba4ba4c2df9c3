{{/* The suite-level resources (dependencies, shared keys) are named "<release>-<what>". */}}
{{- define "rapport.suiteLabels" -}}
app.kubernetes.io/part-of: rapport
app.kubernetes.io/instance: {{ .Release.Name }}
app.kubernetes.io/version: {{ .Chart.AppVersion | quote }}
app.kubernetes.io/managed-by: {{ .Release.Service }}
helm.sh/chart: {{ printf "%s-%s" .Chart.Name .Chart.Version }}
{{- end -}}

{{/* The services that own a database (all five). */}}
{{- define "rapport.services" -}}
{{- list "gateway" "profile-service" "segment-service" "campaign-service" "chatbot-service" | toJson -}}
{{- end -}}

{{/* Every topic of DESIGN.md with its cleanup policy (privacy.consent keeps the latest state per person). */}}
{{- define "rapport.topics" -}}
profile.ingest: delete
profile.events: delete
profile.changes: delete
segment.membership: delete
campaign.deliveries: delete
chat.conversations: delete
privacy.consent: compact
privacy.dsr: delete
privacy.dsr.progress: delete
{{- end -}}
