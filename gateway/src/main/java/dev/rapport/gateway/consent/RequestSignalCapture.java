package dev.rapport.gateway.consent;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.ws.rs.core.HttpHeaders;

import org.jboss.resteasy.reactive.server.ServerRequestFilter;

import io.grpc.Context;
import io.grpc.Contexts;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.quarkus.grpc.GlobalInterceptor;

/** Reads the privacy signals of every request, REST or gRPC, into {@link RequestSignals}. */
@ApplicationScoped
@GlobalInterceptor
public class RequestSignalCapture implements ServerInterceptor {
    private static final Metadata.Key<String> GPC = Metadata.Key.of(RequestSignals.GPC_HEADER.toLowerCase(), Metadata.ASCII_STRING_MARSHALLER);
    private static final Metadata.Key<String> PURPOSE = Metadata.Key.of(RequestSignals.PURPOSE_HEADER.toLowerCase(), Metadata.ASCII_STRING_MARSHALLER);

    @ServerRequestFilter
    public void capture(HttpHeaders headers) {
        RequestSignals.remember(RequestSignals.isGpcSignal(headers.getRequestHeader(RequestSignals.GPC_HEADER)),
                headers.getHeaderString(RequestSignals.PURPOSE_HEADER));
    }

    @Override
    public <Q, A> ServerCall.Listener<Q> interceptCall(ServerCall<Q, A> call, Metadata headers, ServerCallHandler<Q, A> next) {
        Iterable<String> gpc = headers.getAll(GPC);
        java.util.List<String> values = new java.util.ArrayList<>();
        if (gpc != null) {
            gpc.forEach(values::add);
        }
        Context context = Context.current().withValue(RequestSignals.GRPC_GPC, RequestSignals.isGpcSignal(values));
        String purpose = headers.get(PURPOSE);
        if (purpose != null) {
            context = context.withValue(RequestSignals.GRPC_PURPOSE, purpose);
        }
        return Contexts.interceptCall(context, call, headers, next);
    }
}
