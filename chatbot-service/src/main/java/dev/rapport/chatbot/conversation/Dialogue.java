package dev.rapport.chatbot.conversation;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;

import dev.rapport.proto.chat.v1.ArticleMatch;
import dev.rapport.proto.chat.v1.SearchArticlesResponse;

/**
 * The bot's side of a conversation: what it does with each customer message. It never loops. It hands over to a
 * person when asked (in any language it speaks), when the customer is frustrated, when the knowledge base has
 * nothing good enough, when it would give the same answer twice, and after two turns in a row without progress.
 * Once a person holds the conversation, or it has been handed over, the bot says nothing more.
 */
public final class Dialogue {
    /** Turns in a row without progress after which a person takes over. */
    static final int MAX_TURNS_WITHOUT_PROGRESS = 2;
    /** Articles offered at once: more is a menu, not a question. */
    static final int CHOICES = 3;

    public enum Handover {
        ASKED_FOR_PERSON, FRUSTRATED, NO_ANSWER, SAME_ANSWER_TWICE, NO_PROGRESS
    }

    public sealed interface Move {
    }

    /** The bot answers with this article. */
    public record Answer(ArticleMatch article) implements Move {
    }

    /** The bot offers a few articles to choose from (a clarifying question), or alternatives after a miss. */
    public record Offer(List<ArticleMatch> choices, boolean afterMiss) implements Move {
    }

    /** A person takes over; the bot says why. */
    public record HandOver(Handover reason) implements Move {
    }

    /** The customer says the answer helped. */
    public record Resolved() implements Move {
    }

    /** A person holds the conversation (or it was handed over): the bot stays quiet. */
    public record Silent() implements Move {
    }

    /**
     * Where the bot stands: the articles it answered with, what it last offered, and how many turns in a row made
     * no progress.
     */
    public record State(boolean botSpeaks, Set<String> answered, List<ArticleMatch> offered, List<ArticleMatch> candidates,
            int withoutProgress) {
        public static State start() {
            return new State(true, Set.of(), List.of(), List.of(), 0);
        }

        State with(Set<String> answered, List<ArticleMatch> offered, List<ArticleMatch> candidates, int withoutProgress) {
            return new State(botSpeaks, answered, offered, candidates, withoutProgress);
        }
    }

    public record Step(Move move, State state) {
    }

    private Dialogue() {
    }

    /** The customer picked this article (a suggestion or a choice): the bot answers with it, unless it already did. */
    public static Step picked(State state, ArticleMatch article) {
        if (!state.botSpeaks()) {
            return new Step(new Silent(), state);
        }
        return answer(state, article, state.candidates(), 0);
    }

    /**
     * The bot's next move for the customer's message, given the knowledge base's answer to it (searched in any case:
     * it costs milliseconds, and the message may be a new question).
     */
    public static Step next(State state, String message, SearchArticlesResponse search) {
        if (!state.botSpeaks()) {
            return new Step(new Silent(), state);
        }
        if (Signals.asksForPerson(message)) {
            return handOver(state, Handover.ASKED_FOR_PERSON);
        }
        if (Signals.frustrated(message)) {
            return handOver(state, Handover.FRUSTRATED);
        }
        ArticleMatch picked = picked(state.offered(), message);
        if (picked != null) {
            return answer(state, picked, state.candidates(), 0);
        }
        boolean afterReply = !state.answered().isEmpty() || !state.offered().isEmpty();
        if (afterReply && Signals.helped(message)) {
            return new Step(new Resolved(), state.with(state.answered(), List.of(), List.of(), 0));
        }
        if (afterReply && Signals.notHelped(message)) {
            int withoutProgress = state.withoutProgress() + 1;
            if (withoutProgress >= MAX_TURNS_WITHOUT_PROGRESS) {
                return handOver(state, Handover.NO_PROGRESS);
            }
            // offer what it has not tried yet for the question that led here
            List<ArticleMatch> alternatives = state.candidates().stream()
                    .filter(m -> !state.answered().contains(m.getArticleId()) && !isOffered(state, m)).limit(CHOICES).toList();
            if (alternatives.isEmpty()) {
                return handOver(state, Handover.NO_PROGRESS);
            }
            return new Step(new Offer(alternatives, true), state.with(state.answered(), alternatives, state.candidates(), withoutProgress));
        }
        return switch (search.getDecision()) {
            case ANSWER -> answer(state, search.getMatches(0), search.getMatchesList(), state.withoutProgress());
            case CLARIFY -> {
                List<ArticleMatch> choices = search.getMatchesList().stream().limit(CHOICES).toList();
                int withoutProgress = state.offered().isEmpty() ? state.withoutProgress() : state.withoutProgress() + 1;
                if (withoutProgress >= MAX_TURNS_WITHOUT_PROGRESS) {
                    yield handOver(state, Handover.NO_PROGRESS);
                }
                yield new Step(new Offer(choices, false), state.with(state.answered(), choices, search.getMatchesList(), withoutProgress));
            }
            default -> handOver(state, Handover.NO_ANSWER);
        };
    }

    private static Step answer(State state, ArticleMatch article, List<ArticleMatch> candidates, int withoutProgress) {
        if (state.answered().contains(article.getArticleId())) {
            return handOver(state, Handover.SAME_ANSWER_TWICE);
        }
        Set<String> answered = Stream.concat(state.answered().stream(), Stream.of(article.getArticleId()))
                .collect(Collectors.toUnmodifiableSet());
        return new Step(new Answer(article), state.with(answered, List.of(), candidates, withoutProgress));
    }

    static Step handOver(State state, Handover reason) {
        return new Step(new HandOver(reason), new State(false, state.answered(), List.of(), List.of(), state.withoutProgress()));
    }

    private static boolean isOffered(State state, ArticleMatch match) {
        return state.offered().stream().anyMatch(o -> o.getArticleId().equals(match.getArticleId()));
    }

    /** A choice the customer picked: its id (a quick-reply button), its number ("2"), or its title. */
    static ArticleMatch picked(List<ArticleMatch> offered, String message) {
        String text = message.strip();
        List<ArticleMatch> found = new ArrayList<>();
        for (int i = 0; i < offered.size(); i++) {
            ArticleMatch choice = offered.get(i);
            if (text.equals(choice.getArticleId()) || text.equals(String.valueOf(i + 1))
                    || text.toLowerCase(Locale.ROOT).equals(choice.getTitle().strip().toLowerCase(Locale.ROOT))) {
                found.add(choice);
            }
        }
        return found.size() == 1 ? found.get(0) : null;
    }
}
