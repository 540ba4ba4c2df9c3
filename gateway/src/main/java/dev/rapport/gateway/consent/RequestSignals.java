package dev.rapport.gateway.consent;

import java.util.List;
import java.util.Optional;

import io.grpc.Context;
import io.smallrye.common.vertx.ContextLocals;
import io.smallrye.common.vertx.VertxContext;

/**
 * What a request says about the person's privacy beyond its body: a Global Privacy Control signal ({@code Sec-GPC})
 * and the purpose the caller declares ({@code Rapport-Purpose}). Captured from REST headers and gRPC metadata alike,
 * and read where the operation runs.
 */
public final class RequestSignals {
    public static final String GPC_HEADER = "Sec-GPC";
    public static final String PURPOSE_HEADER = "Rapport-Purpose";
    static final Context.Key<Boolean> GRPC_GPC = Context.key("rapport.gpc");
    static final Context.Key<String> GRPC_PURPOSE = Context.key("rapport.purpose");
    private static final String GPC = "rapport.gpc";
    private static final String PURPOSE = "rapport.purpose";

    private RequestSignals() {
    }

    /**
     * Whether the request carries the GPC signal. The specification's field is {@code Sec-GPC = "1"}: any other value
     * is no signal, and so is a repeated field (its combined value, "1, 1", is not "1").
     */
    public static boolean isGpcSignal(List<String> values) {
        return values != null && values.size() == 1 && values.get(0) != null && values.get(0).strip().equals("1");
    }

    static void remember(boolean gpc, String purpose) {
        if (VertxContext.isOnDuplicatedContext()) {
            ContextLocals.put(GPC, gpc);
            if (purpose != null) {
                ContextLocals.put(PURPOSE, purpose);
            }
        }
    }

    public static boolean gpc() {
        if (Boolean.TRUE.equals(GRPC_GPC.get())) {
            return true;
        }
        return VertxContext.isOnDuplicatedContext() && ContextLocals.<Boolean>get(GPC).orElse(false);
    }

    /** The purpose the caller declared for this request, if any. */
    public static Optional<String> purpose() {
        String grpc = GRPC_PURPOSE.get();
        if (grpc != null) {
            return Optional.of(grpc);
        }
        return VertxContext.isOnDuplicatedContext() ? ContextLocals.<String>get(PURPOSE) : Optional.empty();
    }
}
