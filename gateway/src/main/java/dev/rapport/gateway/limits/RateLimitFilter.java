package dev.rapport.gateway.limits;

import java.net.SocketAddress;

import jakarta.enterprise.context.ApplicationScoped;
import jakarta.ws.rs.core.HttpHeaders;
import jakarta.ws.rs.core.Response;

import org.jboss.resteasy.reactive.server.ServerRequestFilter;

import dev.rapport.runtime.error.GrpcErrors;
import dev.rapport.runtime.error.ProblemResponses;
import dev.rapport.runtime.error.TooManyRequests;
import io.grpc.Grpc;
import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.ServerCallHandler;
import io.grpc.ServerInterceptor;
import io.grpc.StatusRuntimeException;
import io.quarkus.grpc.GlobalInterceptor;
import io.vertx.core.http.HttpServerRequest;

/** Every REST and gRPC request counts against its client's {@link RateLimits}: over it, 429 / RESOURCE_EXHAUSTED with when to retry. */
@ApplicationScoped
@GlobalInterceptor
public class RateLimitFilter implements ServerInterceptor {
    private static final Metadata.Key<String> AUTHORIZATION = Metadata.Key.of("authorization", Metadata.ASCII_STRING_MARSHALLER);

    private final RateLimits limits;

    RateLimitFilter(RateLimits limits) {
        this.limits = limits;
    }

    @ServerRequestFilter(preMatching = true)
    public Response limit(HttpHeaders headers, HttpServerRequest request) {
        long wait = limits.take(headers.getHeaderString(HttpHeaders.AUTHORIZATION), String.valueOf(request.remoteAddress().hostAddress()));
        return wait == 0 ? null : ProblemResponses.over(over(wait));
    }

    private static TooManyRequests over(long wait) {
        return new TooManyRequests("this client's request rate is over the limit; retry after " + wait + " s", wait);
    }

    @Override
    public <Q, A> ServerCall.Listener<Q> interceptCall(ServerCall<Q, A> call, Metadata headers, ServerCallHandler<Q, A> next) {
        SocketAddress address = call.getAttributes().get(Grpc.TRANSPORT_ATTR_REMOTE_ADDR);
        long wait = limits.take(headers.get(AUTHORIZATION), address instanceof java.net.InetSocketAddress inet ? inet.getHostString() : "unknown");
        if (wait == 0) {
            return next.startCall(call, headers);
        }
        StatusRuntimeException refused = GrpcErrors.toStatus(over(wait));
        call.close(refused.getStatus(), refused.getTrailers());
        return new ServerCall.Listener<>() {
        };
    }
}
