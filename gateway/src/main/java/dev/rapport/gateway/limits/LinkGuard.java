package dev.rapport.gateway.limits;

import java.util.Set;

import jakarta.ws.rs.container.ContainerRequestContext;
import jakarta.ws.rs.container.ContainerResponseContext;
import jakarta.ws.rs.core.MediaType;
import jakarta.ws.rs.core.Response;

import org.jboss.resteasy.reactive.server.ServerRequestFilter;
import org.jboss.resteasy.reactive.server.ServerResponseFilter;

import io.vertx.core.http.HttpServerRequest;

/**
 * The pages behind signed links (the token is the only credential): an address whose links keep failing to verify is
 * guessing, and is refused every link page for a while (429), valid links included, until its budget refills.
 */
public class LinkGuard {
    private static final Set<String> LINK_PAGES = Set.of("/unsubscribe", "/preferences", "/r", "/o");

    private final SensitiveFlows flows;

    LinkGuard(SensitiveFlows flows) {
        this.flows = flows;
    }

    @ServerRequestFilter
    public Response refuseGuessers(ContainerRequestContext context, HttpServerRequest request) {
        if (!isLinkPage(context)) {
            return null;
        }
        long wait = flows.linkWait(address(request));
        if (wait == 0) {
            return null;
        }
        return Response.status(429).type(MediaType.TEXT_PLAIN_TYPE).header("Retry-After", wait)
                .entity("Too many links that are not valid came from your address. Try again in " + wait + " seconds.").build();
    }

    @ServerResponseFilter
    public void countBadLinks(ContainerRequestContext context, ContainerResponseContext response, HttpServerRequest request) {
        if (isLinkPage(context) && response.getStatus() == 400) { // 400 is these pages' answer to a link that does not verify
            flows.badLink(address(request));
        }
    }

    /** One of the link pages, however its path is written (the router takes "/unsubscribe/" for "/unsubscribe"). */
    private static boolean isLinkPage(ContainerRequestContext context) {
        String path = context.getUriInfo().getPath();
        return LINK_PAGES.contains(path.length() > 1 && path.endsWith("/") ? path.substring(0, path.length() - 1) : path);
    }

    private static String address(HttpServerRequest request) {
        return String.valueOf(request.remoteAddress().hostAddress());
    }
}
