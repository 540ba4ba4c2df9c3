package dev.rapport.e2e;

import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;

import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.ServerSetupTest;

/**
 * The running suite, started once for every end-to-end test class (the slow part) and stopped after the last one,
 * with the trace collector and the mail server the services report to.
 */
final class RunningSuite implements BeforeAllCallback {
    private static TraceCollector traces;
    private static GreenMail mail;

    @Override
    public void beforeAll(ExtensionContext context) {
        context.getRoot().getStore(ExtensionContext.Namespace.GLOBAL)
                .getOrComputeIfAbsent(RunningSuite.class, key -> new Started(), Started.class);
    }

    static TraceCollector traces() {
        return traces;
    }

    static GreenMail mail() {
        return mail;
    }

    /** Closed by JUnit when the whole run ends. */
    private static final class Started implements ExtensionContext.Store.CloseableResource {
        Started() {
            try {
                traces = new TraceCollector();
            } catch (java.io.IOException e) {
                throw new IllegalStateException(e);
            }
            mail = new GreenMail(ServerSetupTest.SMTP.dynamicPort());
            mail.start();
            Suite.start(traces.endpoint(), mail.getSmtp().getPort());
        }

        @Override
        public void close() {
            Suite.stop();
            traces.close();
            mail.stop();
        }
    }
}
