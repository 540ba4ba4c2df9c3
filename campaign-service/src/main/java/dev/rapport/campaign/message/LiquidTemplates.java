package dev.rapport.campaign.message;

import java.io.IOException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

import liqp.Template;
import liqp.TemplateParser;
import liqp.exceptions.LiquidException;
import liqp.parser.Flavor;

/**
 * Liquid, the template language marketers know from Braze and Shopify, sandboxed: no include reads a file, and
 * rendering is bounded in time, output and loop iterations. A syntax error is found when a campaign is saved, with its
 * line and column.
 */
public final class LiquidTemplates {
    public static final long MAX_RENDER_MILLIS = 250;
    public static final int MAX_OUTPUT_CHARS = 200_000;
    public static final int MAX_ITERATIONS = 10_000;
    public static final int MAX_TEMPLATE_CHARS = 100_000;

    private static final TemplateParser PARSER = new TemplateParser.Builder()
            .withFlavor(Flavor.LIQUID)
            .withErrorMode(TemplateParser.ErrorMode.STRICT)
            .withNameResolver(name -> {
                throw new IOException("a template may not include anything");
            })
            .withShowExceptionsFromInclude(true)
            .withMaxRenderTimeMillis(MAX_RENDER_MILLIS)
            .withMaxSizeRenderedString(MAX_OUTPUT_CHARS)
            .withMaxIterations(MAX_ITERATIONS)
            .withMaxTemplateSizeBytes(MAX_TEMPLATE_CHARS * 4L)
            .build();

    /**
     * Parsed templates, each thread its own: parsing costs more than rendering, and a liqp Template keeps per-render
     * state, so one is never rendered twice at once (issue Liqp#287).
     */
    private static final int PARSED_PER_THREAD = 64;
    private static final ThreadLocal<Map<String, Template>> PARSED = ThreadLocal.withInitial(() -> new LinkedHashMap<>(16, 0.75f, true) {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Template> eldest) {
            return size() > PARSED_PER_THREAD;
        }
    });

    /** Where a render runs under its time bound: liqp otherwise starts and stops a thread for every render. */
    private static final ExecutorService RENDERING = Executors.newVirtualThreadPerTaskExecutor();

    /** What is wrong with a template, where (1-based line and column). */
    public record Problem(int line, int column, String message) {
        @Override
        public String toString() {
            return "line " + line + ", column " + column + ": " + message;
        }
    }

    /** A template that could not be rendered for one person (too slow, too long, a loop too many). */
    public static final class RenderFailure extends Exception {
        RenderFailure(String message, Throwable cause) {
            super(message, cause);
        }
    }

    private LiquidTemplates() {
    }

    /** The template's first syntax problem; empty when it parses. */
    public static Optional<Problem> check(String source) {
        if (source.length() > MAX_TEMPLATE_CHARS) {
            return Optional.of(new Problem(1, 1, "longer than " + MAX_TEMPLATE_CHARS + " characters"));
        }
        try {
            PARSER.parse(source);
            return Optional.empty();
        } catch (LiquidException e) {
            return Optional.of(new Problem(Math.max(1, e.line), e.charPositionInLine + 1, brief(e.getMessage())));
        } catch (RuntimeException e) {
            return Optional.of(new Problem(1, 1, brief(e.getMessage())));
        }
    }

    public static Template parse(String source) {
        return PARSER.parse(source);
    }

    /** Renders for one person; the context's keys are the template's top-level names (profile, traits, event). */
    public static String render(Template template, Map<String, Object> context) throws RenderFailure {
        try {
            return template.render(context, RENDERING, false);
        } catch (RuntimeException e) {
            throw new RenderFailure(brief(e.getMessage()), e);
        }
    }

    /** Renders a template (checked when its campaign was saved), parsed once per thread. */
    public static String render(String source, Map<String, Object> context) throws RenderFailure {
        Map<String, Template> parsed = PARSED.get();
        Template template = parsed.computeIfAbsent(source, LiquidTemplates::parse);
        try {
            return render(template, context);
        } catch (RenderFailure failure) {
            // A render that ran out of time may still be running on its thread: the next one gets a Template of its own.
            parsed.remove(source);
            throw failure;
        }
    }

    /** The parser's first line, without the ANTLR token dump that follows it. */
    private static String brief(String message) {
        if (message == null) {
            return "not valid Liquid";
        }
        if (message.contains("'<EOF>'")) {
            return "the template ends before a block is closed (a missing {% endif %}, {% endfor %}, … or }})";
        }
        String first = message.lines().findFirst().orElse(message).strip();
        return first.length() > 300 ? first.substring(0, 300) + "…" : first;
    }
}
