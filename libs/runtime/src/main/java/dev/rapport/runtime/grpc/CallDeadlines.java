package dev.rapport.runtime.grpc;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

import jakarta.enterprise.context.ApplicationScoped;

import org.eclipse.microprofile.config.inject.ConfigProperty;

import io.grpc.CallOptions;
import io.grpc.Channel;
import io.grpc.ClientCall;
import io.grpc.ClientInterceptor;
import io.grpc.MethodDescriptor;
import io.quarkus.grpc.GlobalInterceptor;

/**
 * Every outbound unary gRPC call gets a deadline of its own, counted from when it starts (a stub-level deadline would
 * be counted from when the stub was made). A caller that set one keeps it; streams keep their caller's deadline.
 */
@ApplicationScoped
@GlobalInterceptor
public class CallDeadlines implements ClientInterceptor {
    private final Duration deadline;

    CallDeadlines(@ConfigProperty(name = "rapport.grpc.call-deadline", defaultValue = "5s") Duration deadline) {
        this.deadline = deadline;
    }

    @Override
    public <Q, R> ClientCall<Q, R> interceptCall(MethodDescriptor<Q, R> method, CallOptions options, Channel next) {
        if (method.getType() != MethodDescriptor.MethodType.UNARY || options.getDeadline() != null) {
            return next.newCall(method, options); // a stream lasts as long as its caller streams
        }
        return next.newCall(method, options.withDeadlineAfter(deadline.toMillis(), TimeUnit.MILLISECONDS));
    }
}
