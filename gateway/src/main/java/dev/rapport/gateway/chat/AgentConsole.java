package dev.rapport.gateway.chat;

import java.util.Map;

import jakarta.annotation.security.PermitAll;
import jakarta.ws.rs.GET;
import jakarta.ws.rs.Path;
import jakarta.ws.rs.Produces;
import jakarta.ws.rs.core.MediaType;

import org.eclipse.microprofile.config.inject.ConfigProperty;
import org.eclipse.microprofile.openapi.annotations.Operation;

/**
 * Where the agent console (/agent/, a static page) signs agents in: the realm as browsers reach it (the tokens'
 * issuer, which the gateway checks) and the public client the page uses (authorization code with PKCE).
 */
@Path("/agent/sign-in")
public class AgentConsole {
    private final String realm;
    private final String client;

    AgentConsole(@ConfigProperty(name = "rapport.console.realm-url") String realm,
            @ConfigProperty(name = "rapport.console.client-id") String client) {
        this.realm = realm;
        this.client = client;
    }

    @GET
    @PermitAll
    @Produces(MediaType.APPLICATION_JSON)
    @Operation(summary = "How the agent console signs agents in")
    public Map<String, String> signIn() {
        return Map.of("realm", realm, "clientId", client);
    }
}
