package dev.rapport.gateway.consent.api;

import java.util.Map;

import jakarta.annotation.security.PermitAll;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

import org.eclipse.microprofile.openapi.annotations.Operation;

import dev.rapport.gateway.config.PrivacyConfig;

/** The Global Privacy Control support resource: this site honours the signal (see RequestSignals). */
@Path("/.well-known/gpc.json")
public class GpcResource {
    private final PrivacyConfig config;

    GpcResource(PrivacyConfig config) {
        this.config = config;
    }

    @GET
    @PermitAll
    @Produces(MediaType.APPLICATION_JSON)
    @Operation(summary = "Global Privacy Control support resource")
    public Map<String, Object> gpc() {
        return Map.of("gpc", true, "lastUpdate", config.gpcLastUpdate().toString());
    }
}
