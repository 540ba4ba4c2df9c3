package dev.rapport.runtime.error;

import jakarta.enterprise.context.ApplicationScoped;

import org.jboss.logging.Logger;

import com.google.protobuf.Any;
import com.google.rpc.BadRequest;
import com.google.rpc.Code;

import io.grpc.Metadata;
import io.grpc.ServerCall;
import io.grpc.Status;
import io.grpc.StatusException;
import io.grpc.StatusRuntimeException;
import io.grpc.protobuf.StatusProto;
import io.quarkus.grpc.ExceptionHandler;
import io.quarkus.grpc.ExceptionHandlerProvider;
import io.quarkus.security.AuthenticationException;
import io.quarkus.security.ForbiddenException;
import io.quarkus.security.UnauthorizedException;

/** The one place where a failure becomes a gRPC status: field details for bad input, nothing internal leaked. */
@ApplicationScoped
public class GrpcErrors implements ExceptionHandlerProvider {
    private static final Logger LOG = Logger.getLogger(GrpcErrors.class);
    /** Seconds until a caller over a limit may try again (as HTTP's Retry-After). */
    public static final Metadata.Key<String> RETRY_AFTER = Metadata.Key.of("retry-after", Metadata.ASCII_STRING_MARSHALLER);

    @Override
    public <ReqT, RespT> ExceptionHandler<ReqT, RespT> createHandler(ServerCall.Listener<ReqT> listener,
            ServerCall<ReqT, RespT> call, Metadata metadata) {
        return new ExceptionHandler<>(listener, call, metadata) {
            @Override
            protected void handleException(Throwable failure, ServerCall<ReqT, RespT> serverCall, Metadata trailers) {
                StatusRuntimeException status = toStatus(failure);
                Metadata out = status.getTrailers() != null ? status.getTrailers() : new Metadata();
                serverCall.close(status.getStatus(), out);
            }
        };
    }

    @Override
    public Throwable transform(Throwable failure) {
        return toStatus(failure);
    }

    /** A status passed on from a call to another service keeps its code; server-side failures lose their detail. */
    private static StatusRuntimeException withoutInternals(Status status, Metadata trailers) {
        return switch (status.getCode()) {
            case INTERNAL, UNKNOWN, DATA_LOSS -> {
                LOG.errorf(status.getCause(), "a call failed with %s: %s", status.getCode(), status.getDescription());
                yield Status.INTERNAL.withDescription("internal error").asRuntimeException();
            }
            case UNAVAILABLE -> Status.UNAVAILABLE.withDescription("a service is unavailable; retry later").asRuntimeException();
            case DEADLINE_EXCEEDED -> Status.DEADLINE_EXCEEDED.withDescription("a service did not answer in time").asRuntimeException();
            default -> new StatusRuntimeException(status, trailers);
        };
    }

    public static StatusRuntimeException toStatus(Throwable failure) {
        if (failure instanceof StatusRuntimeException status) {
            return withoutInternals(status.getStatus(), status.getTrailers());
        }
        if (failure instanceof StatusException status) {
            return withoutInternals(status.getStatus(), status.getTrailers());
        }
        if (failure instanceof InvalidInput invalid) {
            BadRequest.Builder details = BadRequest.newBuilder();
            invalid.violations().forEach(v -> details.addFieldViolations(
                    BadRequest.FieldViolation.newBuilder().setField(v.field()).setDescription(v.description())));
            return StatusProto.toStatusRuntimeException(com.google.rpc.Status.newBuilder()
                    .setCode(Code.INVALID_ARGUMENT_VALUE)
                    .setMessage(invalid.getMessage())
                    .addDetails(Any.pack(details.build()))
                    .build());
        }
        if (failure instanceof NotFound notFound) {
            return Status.NOT_FOUND.withDescription(notFound.getMessage()).asRuntimeException();
        }
        if (failure instanceof AuthenticationException || failure instanceof UnauthorizedException) {
            return Status.UNAUTHENTICATED.withDescription("a valid bearer token is required").asRuntimeException();
        }
        if (failure instanceof TooManyRequests over) {
            Metadata trailers = new Metadata();
            trailers.put(RETRY_AFTER, String.valueOf(over.retryAfterSeconds()));
            return Status.RESOURCE_EXHAUSTED.withDescription(over.getMessage()).asRuntimeException(trailers);
        }
        if (failure instanceof NoLawfulBasis refused) {
            return Status.PERMISSION_DENIED.withDescription(refused.getMessage()).asRuntimeException();
        }
        if (failure instanceof ForbiddenException) {
            return Status.PERMISSION_DENIED.withDescription("your role does not allow this operation").asRuntimeException();
        }
        if (dev.rapport.runtime.db.DatabaseOutages.is(failure)) {
            LOG.warnf("gRPC call failed: PostgreSQL out of reach (%s)", failure.toString());
            return Status.UNAVAILABLE.withDescription("a service is unavailable; retry later").asRuntimeException();
        }
        LOG.errorf(failure, "gRPC call failed");
        return Status.INTERNAL.withDescription("internal error").asRuntimeException();
    }
}
