package dev.rapport.gateway.caller;

import java.util.Set;

import io.quarkus.security.identity.SecurityIdentity;
import io.quarkus.oidc.runtime.OidcJwtCallerPrincipal;

/** Who is calling, as the validated token says: a partner app's client, or a person. */
public record Caller(String id, Set<String> roles) {
    public static Caller of(SecurityIdentity identity) {
        String id = identity.getPrincipal().getName();
        if (identity.getPrincipal() instanceof OidcJwtCallerPrincipal jwt && jwt.getClaim("azp") != null
                && identity.getRoles().contains("partner")) {
            id = "client:" + jwt.getClaim("azp");
        }
        return new Caller(id, identity.getRoles());
    }
}
