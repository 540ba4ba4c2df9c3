package dev.rapport.gateway.limits;

import java.net.SocketAddress;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.Response;

import org.jboss.resteasy.reactive.server.ServerRequestFilter;

import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.Status;
import io.quarkus.grpc.GlobalInterceptor;
import io.vertx.core.http.HttpServerRequest;
import io.vertx.core.json.JsonObject;

/** Every REST and gRPC request counts against its client's {@link RateLimits}: over it, 429 / RESOURCE_EXHAUSTED with when to retry. */
@ApplicationScoped
@GlobalInterceptor
public class RateLimitFilter implements ServerInterceptor {
    private static final Metadata.Key<String> AUTHORIZATION = Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);
    private static final Metadata.Key<String> RETRY_AFTER = Metadata.Key.of("retry-after", Metadata.ASCII_STRING_MARSHALLER);

    private final RateLimits limits;

    RateLimitFilter(RateLimits limits) {
        this.limits = limits;
    }

    @ServerRequestFilter(preMatching = true)
    public Response limit(HttpHeaders headers, HttpServerRequest request) {
        long wait = limits.take(headers.getHeaderString(HttpHeaders.AUTHORIZATION), String.valueOf(request.remoteAddress().hostAddress()));
        if (wait == 0) {
            return null;
        }
        return Response.status(429).type("application/problem+json").header("Retry-After", wait)
                .entity(new JsonObject().put("type", "about:blank").put("title", "Too many requests").put("status", 429)
                        .put("detail", "this client's request rate is over the limit; retry after " + wait + " s").encode())
                .build();
    }

    @Override
    public <Q, A> ServerCall.Listener<Q> interceptCall(ServerCall<Q, A> call, Metadata headers, ServerCallHandler<Q, A> next) {
        SocketAddress address = call.getAttributes().get(Grpc.TRANSPORT_ATTR_REMOTE_ADDR);
        long wait = limits.take(headers.get(AUTHORIZATION), address instanceof java.net.InetSocketAddress inet ? inet.getHostString() : "unknown");
        if (wait == 0) {
            return next.startCall(call, headers);
        }
        Metadata trailers = new Metadata();
        trailers.put(RETRY_AFTER, String.valueOf(wait));
        call.close(Status.RESOURCE_EXHAUSTED.withDescription("this client's request rate is over the limit; retry after " + wait + " s"), trailers);
        return new ServerCall.Listener<>() {
        };
    }
}
