package dev.rapport.segment.api;

import dev.rapport.proto.segment.v1.ExplainedCondition;
import dev.rapport.segment.definition.Condition;
import dev.rapport.segment.evaluation.Evaluator;

/** An evaluated definition as the API shows it. */
public final class Explanations {
    private Explanations() {
    }

    public static ExplainedCondition of(Evaluator.Verdict verdict) {
        return ExplainedCondition.newBuilder().setField(verdict.condition().field())
                .setKind(kind(verdict.condition())).setValue(verdict.value()).setDetail(verdict.detail())
                .addAllEventIds(verdict.eventIds())
                .addAllChildren(verdict.children().stream().map(Explanations::of).toList())
                .build();
    }

    private static String kind(Condition c) {
        return switch (c) {
            case Condition.All a -> "and";
            case Condition.Any a -> "or";
            case Condition.Not n -> "not";
            case Condition.InSegment s -> "segment";
            case Condition.AttributeIs a -> "attribute";
            case Condition.AgeIs a -> "attribute";
            case Condition.Near n -> "near";
            case Condition.EventCount e -> "event";
            case Condition.EventTime e -> e.first() ? "first_event" : "last_event";
            case Condition.Sequence s -> "sequence";
            case Condition.Purchases p -> "purchases";
            case Condition.RfmIs r -> "rfm";
            case Condition.ConsentIs x -> "consent";
        };
    }
}
