package dev.rapport.e2e;

import java.util.List;

import org.junit.jupiter.api.extension.BeforeAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.LifecycleMethodExecutionExceptionHandler;
import org.junit.jupiter.api.extension.TestWatcher;

import com.icegreen.greenmail.util.GreenMail;
import com.icegreen.greenmail.util.ServerSetupTest;

/**
 * The running suite, started once for every end-to-end test class (the slow part) and stopped after the last one,
 * with the trace collector, the mail server and the webhook provider the services report to. After a failure it
 * prints what the services logged as errors, last, where a CI run's excerpt shows it.
 */
final class RunningSuite implements BeforeAllCallback, TestWatcher, LifecycleMethodExecutionExceptionHandler {
    private static TraceCollector traces;
    private static GreenMail mail;
    private static WebhookProvider webhooks;
    /** What the services had logged as errors when a test failed: taken then, as later tests' faults would crowd it out. */
    private static final java.util.Set<String> ERRORS_AT_FAILURES = java.util.Collections.synchronizedSet(new java.util.LinkedHashSet<>());

    @Override
    public void beforeAll(ExtensionContext context) {
        context.getRoot().getStore(ExtensionContext.Namespace.GLOBAL)
                .getOrComputeIfAbsent(RunningSuite.class, key -> new Started(), Started.class);
    }

    @Override
    public void testFailed(ExtensionContext context, Throwable cause) {
        failed();
    }

    @Override
    public void handleBeforeAllMethodExecutionException(ExtensionContext context, Throwable cause) throws Throwable {
        failed();
        throw cause;
    }

    @Override
    public void handleAfterAllMethodExecutionException(ExtensionContext context, Throwable cause) throws Throwable {
        failed();
        throw cause;
    }

    private static void failed() {
        List<String> now = ServiceErrors.digest();
        ERRORS_AT_FAILURES.addAll(now.isEmpty() ? List.of("(none)") : now);
    }

    static TraceCollector traces() {
        return traces;
    }

    static GreenMail mail() {
        return mail;
    }

    static WebhookProvider webhooks() {
        return webhooks;
    }

    /**
     * The mail server hangs: its open sessions are cut, and for {@code away} its port accepts connections and never
     * says a word (as a server out of memory does); then it comes back on the same port, empty. Answers what it had
     * received before.
     */
    static jakarta.mail.internet.MimeMessage[] mailServerHungFor(java.time.Duration away) throws Exception {
        int port = mail.getSmtp().getPort();
        com.icegreen.greenmail.Managers store = mail.getManagers(); // a stopped GreenMail forgets its store: kept to read
        mail.stop();
        jakarta.mail.internet.MimeMessage[] before = store.getImapHostManager().getAllMessages().stream()
                .map(com.icegreen.greenmail.store.StoredMessage::getMimeMessage).toArray(jakarta.mail.internet.MimeMessage[]::new);
        List<java.net.Socket> held = new java.util.concurrent.CopyOnWriteArrayList<>();
        try (java.net.ServerSocket silent = new java.net.ServerSocket()) {
            silent.setReuseAddress(true);
            silent.bind(new java.net.InetSocketAddress("127.0.0.1", port));
            Thread accepting = Thread.ofPlatform().daemon().start(() -> {
                try {
                    while (!silent.isClosed()) {
                        held.add(silent.accept());
                    }
                } catch (java.io.IOException closed) {
                    // the hang is over
                }
            });
            Thread.sleep(away.toMillis());
            silent.close();
            accepting.join();
        } finally {
            for (java.net.Socket socket : held) {
                socket.close();
            }
        }
        mail = new GreenMail(ServerSetupTest.SMTP.port(port));
        mail.start();
        return before;
    }

    /** Closed by JUnit when the whole run ends. */
    private static final class Started implements ExtensionContext.Store.CloseableResource, AutoCloseable {
        Started() {
            try {
                traces = new TraceCollector();
            } catch (java.io.IOException e) {
                throw new IllegalStateException(e);
            }
            ServiceErrors.markStart();
            mail = new GreenMail(ServerSetupTest.SMTP.dynamicPort());
            mail.start();
            try {
                webhooks = new WebhookProvider();
            } catch (java.io.IOException e) {
                throw new IllegalStateException(e);
            }
            Suite.start(traces.endpoint(), mail.getSmtp().getPort(), webhooks.url());
        }

        @Override
        public void close() {
            Suite.stop();
            traces.close();
            mail.stop();
            webhooks.close();
            Resilience.report();
            if (!ERRORS_AT_FAILURES.isEmpty()) {
                System.out.println("[e2e] a test failed; the newest errors the services had logged then (.run/logs/*-e2e.log):");
                List<String> lines = List.copyOf(ERRORS_AT_FAILURES);
                lines.subList(Math.max(0, lines.size() - 8), lines.size()).forEach(line -> System.out.println("[e2e]   " + line));
            }
        }
    }
}
