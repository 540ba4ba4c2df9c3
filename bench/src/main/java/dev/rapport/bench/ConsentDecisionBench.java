package dev.rapport.bench;

import dev.rapport.testing.BenchmarkReport;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.SplittableRandom;

import dev.rapport.privacy.ConsentPolicy;
import dev.rapport.privacy.ConsentView;
import dev.rapport.privacy.ConsentView.Decision;
import dev.rapport.privacy.ConsentView.PurposeKey;

/**
 * The consent decision every enforcement point makes per request or per send (issue #7: p99 under 200 µs): the
 * in-memory view of privacy.consent looked up and the shared policy applied, over a million people with a few
 * decisions each under different jurisdictions. Each decision is timed on its own after a warm-up.
 */
public final class ConsentDecisionBench {
    private static final int PEOPLE = Integer.getInteger("rapport.bench.consent-people", 1_000_000);
    private static final int DECISIONS = Integer.getInteger("rapport.bench.consent-decisions", 5_000_000);
    private static final List<String> JURISDICTIONS = List.of("DE", "FR", "ES", "GB", "KR", "US-CA", "US-TX", "BR", "");
    private static final List<String> PURPOSES = List.of("marketing.communications", "personalize", "personalize.profiling", "analytics",
            "marketing.advertising.third_party", "third_party_sharing", "support", "essential.service", "marketing");
    private static final List<String> CHANNELS = List.of("", "email", "sms", "push");

    public static void main(String[] args) throws Exception {
        Path report = Path.of(args.length > 0 ? args[0] : "BENCHMARKS.md");
        ConsentPolicy policy = ConsentPolicy.standard();
        ConsentView view = new ConsentView();
        SplittableRandom random = new SplittableRandom(7);
        Instant base = Instant.parse("2026-01-01T00:00:00Z");
        for (int i = 0; i < PEOPLE; i++) {
            Map<PurposeKey, Decision> decisions = new HashMap<>();
            int count = random.nextInt(6);
            for (int d = 0; d < count; d++) {
                decisions.put(PurposeKey.purpose(pick(random, PURPOSES.subList(0, 6)), pick(random, CHANNELS)),
                        new Decision(random.nextBoolean(), base.plusSeconds(random.nextInt(10_000_000))));
            }
            if (random.nextInt(4) == 0) {
                decisions.put(PurposeKey.category("user.location.precise"), new Decision(random.nextBoolean(), base));
            }
            view.apply(subject(i), new ConsentView.SubjectConsent(1, pick(random, JURISDICTIONS), Map.copyOf(decisions)));
        }
        long allowed = 0;
        for (int i = 0; i < 2_000_000; i++) { // warm-up: let the JIT compile the path
            allowed += decide(view, policy, random) ? 1 : 0;
        }
        long[] latencies = new long[DECISIONS];
        long started = System.nanoTime();
        for (int i = 0; i < DECISIONS; i++) {
            long t = System.nanoTime();
            allowed += decide(view, policy, random) ? 1 : 0;
            latencies[i] = System.nanoTime() - t;
        }
        double seconds = (System.nanoTime() - started) / 1e9;
        Arrays.sort(latencies);
        System.out.printf(Locale.ROOT, "consent decisions: %,.0f/s on one thread, p50 %.2f µs, p99 %.2f µs, p99.9 %.2f µs (allowed %d)%n",
                DECISIONS / seconds, micros(latencies, 50), micros(latencies, 99), micros(latencies, 99.9), allowed);
        BenchmarkReport.replaceSection(report, "consent-decision", String.format(Locale.ROOT, """
                ## Consent decision (in memory, every enforcement point)

                Measured %s on %s.
                Command: `make bench` (`bench/…/ConsentDecisionBench`: %,d people in the consent view with 0–5 decisions
                each over 9 jurisdictions, then %,d decisions for random people, purposes and channels, each timed on its
                own after 2,000,000 warm-up decisions; one thread).
                Path: `ConsentView.of(subject)` (the view kept from `privacy.consent`) → `ConsentPolicy.basis(…)` (regime
                by jurisdiction, most specific rule, newest standing decision).

                | decisions/s (one thread) | p50 µs | p99 µs | p99.9 µs | max µs |
                |---:|---:|---:|---:|---:|
                | %,.0f | %.2f | %.2f | %.2f | %.2f |

                Target in issue #7: p99 under 200 µs. (The timer itself costs a few tens of nanoseconds per reading.)
                """, DateTimeFormatter.ISO_LOCAL_DATE_TIME.format(Instant.now().atOffset(ZoneOffset.UTC).withNano(0)) + " UTC",
                BenchmarkReport.machine(), PEOPLE, DECISIONS, DECISIONS / seconds, micros(latencies, 50), micros(latencies, 99),
                micros(latencies, 99.9), latencies[latencies.length - 1] / 1e3));
    }

    private static boolean decide(ConsentView view, ConsentPolicy policy, SplittableRandom random) {
        String subject = SUBJECTS[random.nextInt(PEOPLE)];
        return policy.basis(view.of(subject), pick(random, PURPOSES), pick(random, CHANNELS), false).allowed();
    }

    /** Profile ids made once, so the timing holds the decision and not the making of its key. */
    private static final String[] SUBJECTS = new String[PEOPLE];

    private static String subject(int i) {
        if (SUBJECTS[i] == null) {
            SUBJECTS[i] = "00000000-0000-4000-8000-" + String.format("%012d", i);
        }
        return SUBJECTS[i];
    }

    private static <T> T pick(SplittableRandom random, List<T> from) {
        return from.get(random.nextInt(from.size()));
    }

    private static double micros(long[] sorted, double p) {
        return sorted[Math.max(0, Math.min(sorted.length - 1, (int) Math.ceil(p / 100 * sorted.length) - 1))] / 1e3;
    }
}
