{{/* The chart's labels on an object's metadata, when there are any. */}}
{{- define "web-app.labels" -}}
{{- with .Values.labels }}
labels:
  {{- toYaml . | nindent 2 }}
{{- end }}
{{- end }}
