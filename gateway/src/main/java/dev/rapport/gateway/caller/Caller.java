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

    /**
     * Whether the request's privacy signals (Global Privacy Control) are the subject's own: a customer acting on their
     * data, or a partner app relaying its user's request. A marketer's or agent's browser speaks for them, not for the
     * person they look at.
     */
    /** A customer and nothing more: staff and partner apps reach people by their roles. */
    public boolean isCustomer() {
        return roles.contains("customer") && roles.stream().noneMatch(role -> role.equals("partner") || role.equals("marketer")
                || role.equals("agent") || role.equals("privacy-officer") || role.equals("admin"));
    }

    public boolean speaksForTheSubject() {
        return roles.contains("customer") || roles.contains("partner");
    }
}
