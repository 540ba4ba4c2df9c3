package dev.rapport.campaign.definition;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.regex.Pattern;

import dev.rapport.campaign.content.FetchPolicy;
import dev.rapport.campaign.message.LiquidTemplates;
import dev.rapport.privacy.DataUses;
import com.google.protobuf.util.Durations;

import dev.rapport.proto.campaign.v1.Campaign;
import dev.rapport.proto.campaign.v1.ConnectedContent;
import dev.rapport.proto.campaign.v1.Experiment;
import dev.rapport.proto.campaign.v1.ExperimentArm;
import dev.rapport.proto.campaign.v1.Journey;
import dev.rapport.proto.campaign.v1.JourneyStep;
import dev.rapport.proto.campaign.v1.WaitForEvent;
import dev.rapport.proto.campaign.v1.WaitUntil;
import dev.rapport.proto.campaign.v1.Branch;
import dev.rapport.proto.campaign.v1.PropertyTest;
import dev.rapport.proto.campaign.v1.SplitPath;
import dev.rapport.proto.campaign.v1.MessageVariant;
import dev.rapport.proto.campaign.v1.QuietHours;
import dev.rapport.proto.campaign.v1.SendTime;
import dev.rapport.runtime.error.InvalidInput.Violation;

/** What makes a campaign well formed, each problem named by its field ("campaign.variants[2].body"). */
public final class CampaignValidation {
    public static final Set<String> CHANNELS = Set.of("email", "sms", "push", "in_app", "webhook");
    static final int MAX_VARIANTS = 50;
    static final int MAX_STEPS = 20;
    private static final Pattern COUNTRY = Pattern.compile("[A-Z]{2}");
    // As profile-service names events.
    private static final Pattern EVENT_NAME = Pattern.compile("[A-Za-z][A-Za-z0-9_.:-]{0,63}");
    /** profile-service's attribute names. */
    private static final Pattern ATTRIBUTE_NAME = Pattern.compile("[a-z][a-z0-9_]{0,63}");
    private static final Pattern PROPERTY_PATH = Pattern.compile("[A-Za-z0-9_$-]{1,64}(\\.[A-Za-z0-9_$-]{1,64}){0,5}");
    private static final Duration LONGEST_WAIT = Duration.ofDays(90);

    private CampaignValidation() {
    }

    /** Problems with the campaign as a draft may hold it. */
    public static List<Violation> check(Campaign c) {
        List<Violation> problems = new ArrayList<>();
        if (c.getName().isBlank() || c.getName().length() > 200 || hasNul(c.getName())) {
            problems.add(new Violation("campaign.name", "a name of 1 to 200 characters"));
        }
        if (!isPromotional(c.getPurpose()) && !isTransactional(c.getPurpose())) {
            problems.add(new Violation("campaign.purpose", "marketing.communications (promotional) or essential.service.notifications "
                    + "(transactional), or a narrower use of either"));
        }
        if (!CHANNELS.contains(c.getChannel())) {
            problems.add(new Violation("campaign.channel", "one of " + String.join(", ", CHANNELS.stream().sorted().toList())));
        }
        if (!c.getSegmentId().isEmpty()) {
            try {
                UUID.fromString(c.getSegmentId());
            } catch (IllegalArgumentException e) {
                problems.add(new Violation("campaign.segment_id", "a segment id"));
            }
        }
        if (c.hasJourney()) {
            if (!c.getSegmentId().isEmpty()) {
                problems.add(new Violation("campaign.segment_id", "empty for a triggered campaign: its audience is whoever its trigger brings"));
            }
            checkJourney(c.getJourney(), problems);
        }
        if (c.hasSendTime()) {
            SendTime when = c.getSendTime();
            if (when.hasFallbackHour() && (when.getFallbackHour() < 0 || when.getFallbackHour() > 23)) {
                problems.add(new Violation("campaign.send_time.fallback_hour", "an hour from 0 to 23"));
            }
            if (when.hasFallbackHour() && !when.getBestHour()) {
                problems.add(new Violation("campaign.send_time.fallback_hour", "only with best_hour"));
            }
            if (when.hasQuietHours()) {
                QuietHours quiet = when.getQuietHours();
                if (quiet.getStartHour() < 0 || quiet.getStartHour() > 23 || quiet.getEndHour() < 0 || quiet.getEndHour() > 23) {
                    problems.add(new Violation("campaign.send_time.quiet_hours", "hours from 0 to 23"));
                } else if (quiet.getStartHour() == quiet.getEndHour()) {
                    problems.add(new Violation("campaign.send_time.quiet_hours", "a start and an end that differ"));
                }
            }
        }
        if (c.hasExperiment()) {
            checkExperiment(c, problems);
        }
        if (c.hasStartTime() && (c.getStartTime().getSeconds() < 946_684_800L // 2000-01-01
                || c.getStartTime().getSeconds() > java.time.Instant.now().plus(Duration.ofDays(366)).getEpochSecond())) {
            problems.add(new Violation("campaign.start_time", "a time at most a year ahead"));
        }
        checkConnectedContent(c.getConnectedContentList(), problems);
        if (c.getPriority() < 0 || c.getPriority() > 100) {
            problems.add(new Violation("campaign.priority", "from 0 to 100"));
        }
        checkVariants(c.getChannel(), "campaign.variants", c.getVariantsList(), problems);
        // (an experiment whose arms carry their own variants checks them arm by arm)
        if (!c.getDefaultLocale().isEmpty() && c.getVariantsCount() > 0 && c.getVariantsList().stream().noneMatch(v -> v.getLocale().equalsIgnoreCase(c.getDefaultLocale())
                && v.getCountry().isEmpty())) {
            problems.add(new Violation("campaign.default_locale", "the locale of a variant for everyone (one without a place)"));
        }
        if (c.getLanguageFallbacksCount() > 50) {
            problems.add(new Violation("campaign.language_fallbacks", "at most 50 fallbacks"));
        }
        for (Map.Entry<String, String> fallback : c.getLanguageFallbacksMap().entrySet()) {
            if (!isLanguageTag(fallback.getKey()) || !isLanguageTag(fallback.getValue())) {
                problems.add(new Violation("campaign.language_fallbacks." + fallback.getKey(), "a BCP 47 tag to another, e.g. \"ca\": \"es\""));
            }
        }
        return problems;
    }

    private static final Pattern CONTENT_NAME = Pattern.compile("[a-z][a-z0-9_]{0,31}");

    private static void checkConnectedContent(List<ConnectedContent> sources, List<Violation> problems) {
        if (sources.size() > 5) {
            problems.add(new Violation("campaign.connected_content", "at most 5 sources"));
        }
        Set<String> names = new HashSet<>();
        for (int i = 0; i < sources.size(); i++) {
            ConnectedContent source = sources.get(i);
            String at = "campaign.connected_content[" + i + "]";
            if (!CONTENT_NAME.matcher(source.getName()).matches() || !names.add(source.getName())) {
                problems.add(new Violation(at + ".name", "a name unique in the campaign, [a-z][a-z0-9_]{0,31}, e.g. recommendations"));
            }
            if (source.getUrl().length() > 2000 || FetchPolicy.writtenHost(source.getUrl()).isEmpty()) {
                problems.add(new Violation(at + ".url", "an http(s) URL of at most 2000 characters whose host is written out (Liquid only in "
                        + "its path and query)"));
            } else {
                LiquidTemplates.check(source.getUrl()).ifPresent(problem -> problems.add(new Violation(at + ".url",
                        "line " + problem.line() + ", column " + problem.column() + ": " + problem.message())));
            }
            if (source.hasTimeout() && (java(source.getTimeout()).compareTo(Duration.ofMillis(100)) < 0
                    || java(source.getTimeout()).compareTo(Duration.ofSeconds(10)) > 0)) {
                problems.add(new Violation(at + ".timeout", "from 100 ms to 10 s"));
            }
            if (source.getRetries() < 0 || source.getRetries() > 3) {
                problems.add(new Violation(at + ".retries", "from 0 to 3"));
            } else if ((source.hasTimeout() ? java(source.getTimeout()) : Duration.ofSeconds(2)).multipliedBy(source.getRetries() + 1L)
                    .compareTo(Duration.ofSeconds(12)) > 0) {
                // a message waits for its content while it is being sent: at most this long, so its fallback applies in time
                problems.add(new Violation(at + ".retries", "timeout × (retries + 1) of at most 12 s"));
            }
            if (source.hasCacheTtl() && (java(source.getCacheTtl()).isNegative() || java(source.getCacheTtl()).compareTo(Duration.ofDays(1)) > 0)) {
                problems.add(new Violation(at + ".cache_ttl", "from 0 s to 1 day"));
            }
            if (source.getOnFailure() == ConnectedContent.Fallback.UNRECOGNIZED
                    || (source.getOnFailure() == ConnectedContent.Fallback.USE_DEFAULT && !source.hasDefaultValue())) {
                problems.add(new Violation(at + ".default_value", "a value to use in its place when on_failure is USE_DEFAULT"));
            }
        }
    }

    private static void checkJourney(Journey journey, List<Violation> problems) {
        int triggers = (journey.getTriggerEvent().isEmpty() ? 0 : 1) + (journey.getTriggerSegmentId().isEmpty() ? 0 : 1)
                + (journey.getApiTrigger() ? 1 : 0);
        if (triggers != 1) {
            problems.add(new Violation("campaign.journey", "exactly one trigger: trigger_event, trigger_segment_id or api_trigger"));
        }
        if (!journey.getTriggerEvent().isEmpty() && !EVENT_NAME.matcher(journey.getTriggerEvent()).matches()) {
            problems.add(new Violation("campaign.journey.trigger_event", "an event name such as cart_abandoned"));
        }
        if (!journey.getTriggerSegmentId().isEmpty()) {
            try {
                UUID.fromString(journey.getTriggerSegmentId());
            } catch (IllegalArgumentException e) {
                problems.add(new Violation("campaign.journey.trigger_segment_id", "a segment id"));
            }
        }
        if (journey.getStepsCount() == 0 || journey.getStepsCount() > MAX_STEPS) {
            problems.add(new Violation("campaign.journey.steps", "from 1 to " + MAX_STEPS + " steps"));
        }
        for (int i = 0; i < journey.getStepsCount(); i++) {
            JourneyStep step = journey.getSteps(i);
            String at = "campaign.journey.steps[" + i + "]";
            switch (step.getStepCase()) {
                case WAIT -> checkDuration(step.getWait(), at + ".wait", problems);
                case WAIT_FOR_EVENT -> {
                    if (!EVENT_NAME.matcher(step.getWaitForEvent().getEvent()).matches()) {
                        problems.add(new Violation(at + ".wait_for_event.event", "an event name such as order_placed"));
                    }
                    checkDuration(step.getWaitForEvent().getTimeout(), at + ".wait_for_event.timeout", problems);
                    if (step.getWaitForEvent().getOnEvent() == WaitForEvent.Then.UNRECOGNIZED
                            || step.getWaitForEvent().getOnTimeout() == WaitForEvent.Then.UNRECOGNIZED) {
                        problems.add(new Violation(at + ".wait_for_event", "on_event and on_timeout are CONTINUE or EXIT"));
                    }
                }
                case WAIT_UNTIL -> {
                    WaitUntil wait = step.getWaitUntil();
                    if (!wait.hasHour() && !wait.getBestHour()) {
                        problems.add(new Violation(at + ".wait_until", "an hour, best_hour, or both (the hour for someone with too little history)"));
                    }
                    if (wait.hasHour() && (wait.getHour() < 0 || wait.getHour() > 23)) {
                        problems.add(new Violation(at + ".wait_until.hour", "from 0 to 23"));
                    }
                    if (wait.getMinute() < 0 || wait.getMinute() > 59) {
                        problems.add(new Violation(at + ".wait_until.minute", "from 0 to 59"));
                    }
                }
                case BRANCH -> {
                    Branch branch = step.getBranch();
                    switch (branch.getConditionCase()) {
                        case IN_SEGMENT -> {
                            try {
                                UUID.fromString(branch.getInSegment());
                            } catch (IllegalArgumentException e) {
                                problems.add(new Violation(at + ".branch.in_segment", "a segment id"));
                            }
                        }
                        case TRIGGER_PROPERTY -> checkPropertyTest(branch.getTriggerProperty(), at + ".branch.trigger_property", problems);
                        case CONDITION_NOT_SET -> problems.add(new Violation(at + ".branch", "a condition: in_segment or trigger_property"));
                    }
                    checkGoTo(branch.getThenGoToStep(), i, journey.getStepsCount(), at + ".branch.then_go_to_step", problems);
                    checkGoTo(branch.getElseGoToStep(), i, journey.getStepsCount(), at + ".branch.else_go_to_step", problems);
                }
                case SPLIT -> {
                    List<SplitPath> paths = step.getSplit().getPathsList();
                    if (paths.size() < 2 || paths.size() > 5) {
                        problems.add(new Violation(at + ".split.paths", "from 2 to 5 paths"));
                    }
                    int total = 0;
                    java.util.Set<String> names = new java.util.HashSet<>();
                    for (int p = 0; p < paths.size(); p++) {
                        SplitPath path = paths.get(p);
                        String field = at + ".split.paths[" + p + "]";
                        if (path.getName().isBlank() || path.getName().length() > 40 || !names.add(path.getName())) {
                            problems.add(new Violation(field + ".name", "a name of its own, 1 to 40 characters"));
                        }
                        if (path.getPercent() < 1 || path.getPercent() > 99) {
                            problems.add(new Violation(field + ".percent", "from 1 to 99"));
                        }
                        total += path.getPercent();
                        checkGoTo(path.getGoToStep(), i, journey.getStepsCount(), field + ".go_to_step", problems);
                    }
                    if (paths.size() >= 2 && total != 100) {
                        problems.add(new Violation(at + ".split.paths", "percentages that add up to 100 (these make " + total + ")"));
                    }
                }
                case UPDATE_ATTRIBUTE -> {
                    if (!ATTRIBUTE_NAME.matcher(step.getUpdateAttribute().getAttribute()).matches()) {
                        problems.add(new Violation(at + ".update_attribute.attribute", "an attribute name such as last_cart_reminder"));
                    }
                    if (!step.getUpdateAttribute().hasValue() || step.getUpdateAttribute().getValue().getSerializedSize() > 4096) {
                        problems.add(new Violation(at + ".update_attribute.value", "a value (null removes the attribute), at most 4 KiB"));
                    }
                }
                case SEND_MESSAGE, EXIT -> { }
                case STEP_NOT_SET -> problems.add(new Violation(at,
                        "one of wait, wait_for_event, wait_until, send_message, branch, split, update_attribute, exit"));
            }
        }
        if (journey.getExitEventsCount() > 10) {
            problems.add(new Violation("campaign.journey.exit_events", "at most 10 events"));
        }
        for (int i = 0; i < journey.getExitEventsCount(); i++) {
            if (!EVENT_NAME.matcher(journey.getExitEvents(i)).matches()) {
                problems.add(new Violation("campaign.journey.exit_events[" + i + "]", "an event name such as order_placed"));
            } else if (journey.getExitEvents(i).equals(journey.getTriggerEvent())) {
                problems.add(new Violation("campaign.journey.exit_events[" + i + "]", "not the trigger event (everyone would leave as they enter)"));
            }
        }
        if (journey.hasReentryAfter()) {
            Duration reentry = java(journey.getReentryAfter());
            if (reentry.isNegative() || reentry.compareTo(Duration.ofDays(365)) > 0) {
                problems.add(new Violation("campaign.journey.reentry_after", "from 0 to 365 days"));
            }
        }
    }

    /** A go-to of step {@code step} (0-based) in a journey of {@code steps}: 0 (the next), or a later step number, or the end. */
    private static void checkGoTo(int goTo, int step, int steps, String field, List<Violation> problems) {
        if (goTo != 0 && (goTo <= step + 1 || goTo > steps + 1)) {
            problems.add(new Violation(field, "0 (the next step) or a later step number, from " + (step + 2) + " to " + (steps + 1)
                    + " (" + (steps + 1) + ": the end); a journey never goes back"));
        }
    }

    private static void checkPropertyTest(PropertyTest test, String field, List<Violation> problems) {
        if (!PROPERTY_PATH.matcher(test.getProperty()).matches()) {
            problems.add(new Violation(field + ".property", "a property name or dot path, e.g. total or cart.items"));
        }
        switch (test.getOperator()) {
            case OPERATOR_UNSPECIFIED, UNRECOGNIZED -> problems.add(new Violation(field + ".operator",
                    "EQUALS, NOT_EQUALS, GREATER_THAN, LESS_THAN or EXISTS"));
            case GREATER_THAN, LESS_THAN -> {
                if (!test.getValue().hasNumberValue()) {
                    problems.add(new Violation(field + ".value", "a number to compare with"));
                }
            }
            case EQUALS, NOT_EQUALS -> {
                if (!test.hasValue() || test.getValue().getKindCase() == com.google.protobuf.Value.KindCase.KIND_NOT_SET
                        || test.getValue().hasStructValue() || test.getValue().hasListValue() || test.getValue().hasNullValue()) {
                    problems.add(new Violation(field + ".value", "a string, number or boolean to compare with"));
                }
            }
            case EXISTS -> { }
        }
    }

    /** The checks of a list of variants (the campaign's, or an experiment arm's), named under {@code field}. */
    private static void checkVariants(String channel, String field, List<MessageVariant> variants, List<Violation> problems) {
        if (variants.size() > MAX_VARIANTS) {
            problems.add(new Violation(field, "at most " + MAX_VARIANTS + " variants"));
        }
        Set<String> places = new HashSet<>();
        for (int i = 0; i < variants.size(); i++) {
            MessageVariant v = variants.get(i);
            String at = field + "[" + i + "]";
            if (!isLanguageTag(v.getLocale())) {
                problems.add(new Violation(at + ".locale", "a BCP 47 language tag such as es, ca-ES or ko"));
            }
            if (!v.getCountry().isEmpty() && !COUNTRY.matcher(v.getCountry()).matches()) {
                problems.add(new Violation(at + ".country", "an ISO 3166 alpha-2 code such as ES"));
            }
            if (v.getRegion().length() > 100 || v.getCity().length() > 100) {
                problems.add(new Violation(at + (v.getCity().length() > 100 ? ".city" : ".region"), "at most 100 characters"));
            }
            if ((!v.getCity().isEmpty() || !v.getRegion().isEmpty()) && v.getCountry().isEmpty()) {
                problems.add(new Violation(at + ".country", "a region or city needs its country (there is more than one Springfield)"));
            }
            if (!places.add((v.getLocale() + "|" + v.getCountry() + "|" + v.getRegion() + "|" + v.getCity()).toLowerCase(Locale.ROOT))) {
                problems.add(new Violation(at, "another variant has the same language and place"));
            }
            if (channel.equals("email") && v.getSubjectLine().isBlank()) {
                problems.add(new Violation(at + ".subject_line", "an email needs a subject"));
            }
            if (v.getBody().isBlank()) {
                problems.add(new Violation(at + ".body", "the message"));
            }
            if (hasNul(v.getSubjectLine()) || hasNul(v.getBody()) || hasNul(v.getRegion()) || hasNul(v.getCity())) {
                problems.add(new Violation(at, "no NUL characters"));
            }
            if (v.getSubjectLine().indexOf('\n') >= 0 || v.getSubjectLine().indexOf('\r') >= 0) {
                problems.add(new Violation(at + ".subject_line", "one line"));
            }
            LiquidTemplates.check(v.getSubjectLine()).ifPresent(p -> problems.add(new Violation(at + ".subject_line", p.toString())));
            LiquidTemplates.check(v.getBody()).ifPresent(p -> problems.add(new Violation(at + ".body", p.toString())));
        }
    }

    private static void checkExperiment(Campaign c, List<Violation> problems) {
        Experiment experiment = c.getExperiment();
        if (experiment.getArmsCount() < 2 || experiment.getArmsCount() > 9) {
            problems.add(new Violation("campaign.experiment.arms", "2 to 9 arms: up to 8 with a message and at most one control group"));
        }
        Set<String> names = new HashSet<>();
        int controls = 0;
        for (int i = 0; i < experiment.getArmsCount(); i++) {
            ExperimentArm arm = experiment.getArms(i);
            String at = "campaign.experiment.arms[" + i + "]";
            if (arm.getName().isBlank() || arm.getName().length() > 40 || !names.add(arm.getName())) {
                problems.add(new Violation(at + ".name", "a name of 1 to 40 characters, unique within the experiment"));
            }
            if (arm.getWeight() < 1 || arm.getWeight() > 100) {
                problems.add(new Violation(at + ".weight", "from 1 to 100"));
            }
            if (arm.getControl()) {
                controls++;
                if (arm.getVariantsCount() > 0) {
                    problems.add(new Violation(at + ".variants", "none: the control group gets nothing"));
                }
            } else if (arm.getVariantsCount() == 0 && c.getVariantsCount() == 0) {
                problems.add(new Violation(at + ".variants", "its own message, or the campaign's variants"));
            }
            checkVariants(c.getChannel(), at + ".variants", arm.getVariantsList(), problems);
            if (!c.getDefaultLocale().isEmpty() && arm.getVariantsCount() > 0 && arm.getVariantsList().stream()
                    .noneMatch(v -> v.getLocale().equalsIgnoreCase(c.getDefaultLocale()) && v.getCountry().isEmpty())) {
                problems.add(new Violation(at + ".variants", "a variant for everyone in the default locale " + c.getDefaultLocale()));
            }
        }
        if (controls > 1) {
            problems.add(new Violation("campaign.experiment.arms", "at most one control group"));
        }
        if (!EVENT_NAME.matcher(experiment.getConversionEvent()).matches()) {
            problems.add(new Violation("campaign.experiment.conversion_event", "an event name such as order_placed"));
        }
        com.google.protobuf.Duration window = experiment.getConversionWindow();
        if (!Durations.isValid(window) || java(window).compareTo(Duration.ofMinutes(1)) < 0 || java(window).compareTo(LONGEST_WAIT) > 0) {
            problems.add(new Violation("campaign.experiment.conversion_window", "from 1 minute to 90 days, e.g. \"86400s\""));
        }
        if (experiment.hasAutoWinner()) {
            var winner = experiment.getAutoWinner();
            if (c.hasJourney()) {
                problems.add(new Violation("campaign.experiment.auto_winner", "broadcasts only: a journey's people come one by one"));
            }
            if (winner.getTestPercent() < 5 || winner.getTestPercent() > 50) {
                problems.add(new Violation("campaign.experiment.auto_winner.test_percent", "from 5 to 50"));
            }
            com.google.protobuf.Duration decide = winner.getDecideAfter();
            if (!Durations.isValid(decide) || java(decide).compareTo(Duration.ofDays(30)) > 0
                    || Durations.isValid(window) && java(decide).compareTo(java(window)) < 0) {
                problems.add(new Violation("campaign.experiment.auto_winner.decide_after",
                        "from the conversion window to 30 days (the test's conversions must be in first)"));
            }
            if (experiment.getArmsList().stream().filter(arm -> !arm.getControl()).count() < 2) {
                problems.add(new Violation("campaign.experiment.arms", "two or more arms with a message to choose a winner from"));
            }
        }
    }

    private static void checkDuration(com.google.protobuf.Duration duration, String field, List<Violation> problems) {
        if (!Durations.isValid(duration) || java(duration).compareTo(Duration.ofSeconds(1)) < 0
                || java(duration).compareTo(LONGEST_WAIT) > 0) {
            problems.add(new Violation(field, "from 1 s to 90 days, e.g. \"7200s\""));
        }
    }

    public static Duration java(com.google.protobuf.Duration duration) {
        return Duration.ofSeconds(duration.getSeconds(), duration.getNanos());
    }

    private static boolean hasNul(String text) {
        return text.indexOf('\0') >= 0;
    }

    /** What stops an (otherwise well-formed) campaign from sending. */
    public static List<String> readinessToSend(Campaign c) {
        List<String> missing = new ArrayList<>();
        if (c.hasJourney()) {
            if (c.getJourney().getStepsList().stream().noneMatch(JourneyStep::hasSendMessage)) {
                missing.add("a send_message step in its journey");
            }
        } else if (c.getSegmentId().isEmpty()) {
            missing.add("an audience (segment_id, or a journey with its trigger event)");
        }
        boolean armsCarryTheirOwn = c.hasExperiment() && c.getExperiment().getArmsList().stream()
                .allMatch(arm -> arm.getControl() || arm.getVariantsCount() > 0);
        if (c.getVariantsCount() == 0 && !armsCarryTheirOwn) {
            missing.add("at least one message variant");
        }
        return missing;
    }

    public static boolean isPromotional(String purpose) {
        return DataUses.isKnown(purpose) && (purpose.equals("marketing.communications") || purpose.startsWith("marketing.communications."));
    }

    public static boolean isTransactional(String purpose) {
        return DataUses.isKnown(purpose) && (purpose.equals("essential.service.notifications") || purpose.startsWith("essential.service.notifications."));
    }

    static boolean isLanguageTag(String tag) {
        if (tag.isBlank() || tag.length() > 35) {
            return false;
        }
        String canonical = Locale.forLanguageTag(tag).toLanguageTag();
        return !canonical.equals("und") && canonical.equalsIgnoreCase(tag);
    }
}
