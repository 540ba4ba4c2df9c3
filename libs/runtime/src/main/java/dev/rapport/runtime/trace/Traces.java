package dev.rapport.runtime.trace;

import java.util.Map;

import io.opentelemetry.api.trace.Span;
import io.opentelemetry.api.trace.SpanBuilder;
import io.opentelemetry.api.trace.SpanContext;
import io.opentelemetry.api.trace.Tracer;
import io.opentelemetry.api.trace.propagation.W3CTraceContextPropagator;
import io.opentelemetry.context.Context;
import io.opentelemetry.context.propagation.TextMapGetter;

/**
 * W3C trace context kept with work that happens later (a journey's timer, a planned delivery), so that what a request
 * caused minutes or a restart afterwards is still part of its trace.
 */
public final class Traces {
    private static final TextMapGetter<Map<String, String>> MAP = new TextMapGetter<>() {
        @Override
        public Iterable<String> keys(Map<String, String> carrier) {
            return carrier.keySet();
        }

        @Override
        public String get(Map<String, String> carrier, String key) {
            return carrier == null ? null : carrier.get(key);
        }
    };

    private Traces() {
    }

    /** The W3C traceparent of the current span, or null outside a trace. */
    public static String current() {
        SpanContext span = Span.current().getSpanContext();
        return span.isValid() ? "00-" + span.getTraceId() + "-" + span.getSpanId() + "-" + span.getTraceFlags().asHex() : null;
    }

    /** The current span's traceparent, else the one given (e.g. the envelope's of the message being handled). */
    public static String currentOr(String traceparent) {
        String current = current();
        return current != null ? current : traceparent == null || traceparent.isBlank() ? null : traceparent;
    }

    /**
     * A span continuing the trace a stored traceparent names, or null without one (work nobody's request caused is
     * not traced: a broadcast's ten thousand deliveries would be ten thousand root traces).
     */
    public static Span continued(Tracer tracer, String name, String traceparent) {
        if (traceparent == null || traceparent.isBlank()) {
            return null;
        }
        Context parent = W3CTraceContextPropagator.getInstance().extract(Context.root(), Map.of("traceparent", traceparent), MAP);
        if (!Span.fromContext(parent).getSpanContext().isValid()) {
            return null;
        }
        SpanBuilder span = tracer.spanBuilder(name).setParent(parent);
        return span.startSpan();
    }
}
