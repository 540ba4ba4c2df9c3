package dev.rapport.chatbot.conversation;

import java.text.Normalizer;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * What a customer's message says about the conversation itself, in every language the bot speaks (English, Korean,
 * Spanish, Catalan): asking for a person, saying an answer did not help, saying it did, and frustration. Phrase lists,
 * not a model: they must work on one short message, and a missed phrase costs at most one more turn before the
 * no-progress rule hands over anyway.
 */
public final class Signals {
    private Signals() {
    }

    private static final List<Pattern> PERSON = patterns(
            "\\b(talk|speak|chat)\\w* (to|with) (a |an |some|your )?(real |live |actual )?(person|human|agent|someone|somebody|operator|representative|people)",
            "\\b(real|live|actual) (person|human|agent)", "\\bhuman\\b", "\\b(an? )?agent,? please", "\\brepresentative\\b",
            "상담원", "상담사", "사람(이랑|과|하고|을|이)? ?(연결|얘기|이야기|대화)", "직원(이랑|과|하고)? ?(연결|얘기|이야기|대화)", "사람 바꿔",
            "\\bhablar con (una |un |alguien|algun)", "\\b(persona|humano|agente) (real|de verdad)", "\\bun humano\\b", "\\bcon un agente\\b",
            "\\bparlar amb (una |un |alg)", "\\bpersona real\\b", "\\bamb un agent\\b");

    private static final List<Pattern> NOT_HELPED = patterns(
            "\\b(didn'?t|did not|doesn'?t|does not|not) (help|work|answer)", "\\bnot (what|it)\\b", "\\bthat'?s not (it|what)",
            "\\bnone of (these|those|them)", "\\bneither\\b", "\\bwrong (answer|article)", "^no$", "^no,", "^nope$",
            "도움이 안", "도움 안", "아니(요|에요|야)?$", "^아니", "그게 아니", "해결이 안", "없어요$",
            "\\bno (me )?(ayud|sirv|funcion)", "\\bninguna\\b", "\\beso no\\b",
            "\\bno m'?(ha )?ajud", "\\bcap d'aquest", "\\baixò no\\b");

    private static final List<Pattern> HELPED = patterns(
            "\\bthanks?\\b", "\\bthank you\\b", "\\bthat (helped|worked|solved)", "\\b(perfect|great|solved|got it)\\b",
            "감사", "고마워", "고맙", "해결(됐|되었|했)", "도움이 (됐|되었)",
            "\\bgracias\\b", "\\b(perfecto|resuelto|genial)\\b", "\\bgràcies\\b", "\\b(perfecte|resolt)\\b");

    private static final List<Pattern> FRUSTRATED = patterns(
            "\\buseless\\b", "\\bstupid\\b", "\\bridiculous\\b", "\\bannoy", "\\bfrustrat", "\\bangry\\b", "\\bfurious\\b",
            "\\bterrible\\b", "\\bworst\\b", "\\bwaste of (my )?time", "\\bfed up\\b", "\\bunacceptable\\b", "\\bpathetic\\b",
            "\\bwtf\\b", "\\bdamn", "\\bhate (this|you)",
            "짜증", "답답", "최악", "화나", "어이없", "열받", "쓸모없", "장난하",
            "\\binútil\\b", "\\bharto\\b", "\\bridícul", "\\benfadad", "\\bpésim", "\\bvergüenza\\b",
            "\\binútil\\b", "\\bfart\\b", "\\bempipa", "\\bvergonya\\b");

    public static boolean asksForPerson(String message) {
        return any(PERSON, message);
    }

    public static boolean notHelped(String message) {
        return any(NOT_HELPED, message);
    }

    public static boolean helped(String message) {
        return any(HELPED, message) && !notHelped(message);
    }

    /** Frustration: an angry word, or shouting (mostly capitals, or repeated '!' / '?'). */
    public static boolean frustrated(String message) {
        if (any(FRUSTRATED, message) || message.contains("!!") || message.contains("?!") || message.contains("??")) {
            return true;
        }
        long letters = message.codePoints().filter(Character::isLetter).count();
        long capitals = message.codePoints().filter(Character::isUpperCase).count();
        return letters >= 8 && capitals >= 0.7 * letters;
    }

    private static boolean any(List<Pattern> patterns, String message) {
        String text = Normalizer.normalize(message.strip().toLowerCase(Locale.ROOT), Normalizer.Form.NFC)
                .replace('’', '\'').replaceAll("[.!?¡¿]+$", "").strip();
        return patterns.stream().anyMatch(p -> p.matcher(text).find());
    }

    private static List<Pattern> patterns(String... regexes) {
        return java.util.Arrays.stream(regexes).map(r -> Pattern.compile(r, Pattern.UNICODE_CHARACTER_CLASS)).toList();
    }
}
