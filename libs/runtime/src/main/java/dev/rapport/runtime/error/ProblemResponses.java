package dev.rapport.runtime.error;

import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import jakarta.ws.rs.WebApplicationException;
import jakarta.ws.rs.core.Response;

import org.jboss.logging.Logger;
import org.jboss.resteasy.reactive.server.ServerExceptionMapper;

import io.grpc.Status;
import io.grpc.StatusRuntimeException;
import io.quarkus.security.AuthenticationFailedException;
import io.quarkus.security.ForbiddenException;
import io.quarkus.security.UnauthorizedException;

/** The one place where a failure becomes an HTTP answer: application/problem+json (RFC 9457), no stack trace. */
public class ProblemResponses {
    public static final String PROBLEM_JSON = "application/problem+json";
    private static final Logger LOG = Logger.getLogger(ProblemResponses.class);

    @ServerExceptionMapper
    public Response invalidInput(InvalidInput invalid) {
        List<Map<String, String>> fields = invalid.violations().stream()
                .map(v -> Map.of("field", v.field(), "description", v.description()))
                .toList();
        return problem(400, "Invalid input", invalid.getMessage(), Map.of("violations", fields));
    }

    @ServerExceptionMapper
    public Response notFound(NotFound notFound) {
        return problem(404, "Not found", notFound.getMessage(), Map.of());
    }

    @ServerExceptionMapper({ UnauthorizedException.class, AuthenticationFailedException.class })
    public Response unauthenticated(RuntimeException e) {
        return Response.fromResponse(problem(401, "Unauthenticated", "a valid bearer token is required", Map.of()))
                .header("WWW-Authenticate", "Bearer").build();
    }

    @ServerExceptionMapper
    public Response tooManyRequests(TooManyRequests over) {
        return over(over);
    }

    /** 429 with Retry-After; also for a filter that answers before any resource is reached. */
    public static Response over(TooManyRequests over) {
        return Response.fromResponse(problem(429, "Too many requests", over.getMessage(), Map.of()))
                .header("Retry-After", over.retryAfterSeconds()).build();
    }

    @ServerExceptionMapper
    public Response noLawfulBasis(NoLawfulBasis refused) {
        return problem(403, "No lawful basis", refused.getMessage(), Map.of("purpose", refused.purpose()));
    }

    @ServerExceptionMapper
    public Response forbidden(ForbiddenException e) {
        return problem(403, "Forbidden", "your role does not allow this operation", Map.of());
    }

    /** A failure of a call to another service, as the REST caller should see it. */
    @ServerExceptionMapper
    public Response grpcStatus(StatusRuntimeException failure) {
        Status status = failure.getStatus();
        return switch (status.getCode()) {
            case INVALID_ARGUMENT -> problem(400, "Invalid input", status.getDescription(), Map.of("violations", violations(failure)));
            case NOT_FOUND -> problem(404, "Not found", status.getDescription(), Map.of());
            case ALREADY_EXISTS -> problem(409, "Conflict", status.getDescription(), Map.of());
            case FAILED_PRECONDITION -> problem(409, "Conflict", status.getDescription(), Map.of());
            case RESOURCE_EXHAUSTED -> {
                String retryAfter = failure.getTrailers() == null ? null : failure.getTrailers().get(GrpcErrors.RETRY_AFTER);
                Response over = problem(429, "Too many requests", status.getDescription(), Map.of());
                yield retryAfter == null ? over : Response.fromResponse(over).header("Retry-After", retryAfter).build();
            }
            case UNAUTHENTICATED -> unauthenticated(failure);
            case PERMISSION_DENIED -> problem(403, "Forbidden", "your role does not allow this operation", Map.of());
            case UNAVAILABLE -> problem(503, "Service unavailable", "a service is unavailable; retry later", Map.of());
            case DEADLINE_EXCEEDED -> problem(504, "Timeout", "a service did not answer in time", Map.of());
            default -> {
                LOG.errorf(failure, "call to a service failed");
                yield problem(500, "Internal error", "internal error", Map.of());
            }
        };
    }

    private static List<Map<String, String>> violations(StatusRuntimeException failure) {
        return InvalidInput.carriedBy(failure).stream().map(v -> Map.of("field", v.field(), "description", v.description())).toList();
    }

    @ServerExceptionMapper
    public Response webApplication(WebApplicationException e) {
        int status = e.getResponse().getStatus();
        return problem(status, Response.Status.fromStatusCode(status) != null ? Response.Status.fromStatusCode(status).getReasonPhrase() : "Error",
                status < 500 ? e.getMessage() : "internal error", Map.of());
    }

    @ServerExceptionMapper
    public Response unexpected(Exception e) {
        if (dev.rapport.runtime.db.DatabaseOutages.is(e)) {
            LOG.warnf("request failed: PostgreSQL out of reach (%s)", e.toString());
            return problem(503, "Service unavailable", "a service is unavailable; retry later", Map.of());
        }
        LOG.errorf(e, "request failed");
        return problem(500, "Internal error", "internal error", Map.of());
    }

    public static Response problem(int status, String title, String detail, Map<String, Object> extensions) {
        Map<String, Object> body = new LinkedHashMap<>();
        body.put("type", "about:blank");
        body.put("title", title);
        body.put("status", status);
        body.put("detail", detail);
        body.putAll(extensions);
        return Response.status(status).type(PROBLEM_JSON).entity(body).build();
    }
}
