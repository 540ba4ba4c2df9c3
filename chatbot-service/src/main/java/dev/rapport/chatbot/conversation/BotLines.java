package dev.rapport.chatbot.conversation;

import java.util.Locale;
import java.util.ResourceBundle;
import java.util.Set;

/** What the bot says, in the languages it speaks (bot_*.properties beside this class); English otherwise. */
public final class BotLines {
    public static final Set<String> LANGUAGES = Set.of("en", "ko", "es", "ca");

    private BotLines() {
    }

    /** The language the bot speaks with a customer whose language is this BCP 47 tag. */
    public static String spokenFor(String language) {
        String primary = Locale.forLanguageTag(language).getLanguage();
        return LANGUAGES.contains(primary) ? primary : "en";
    }

    /** A line with values in it ({0}, {1}: MessageFormat, so an apostrophe in such a line is written twice). */
    public static String line(String language, String key, Object... values) {
        return new java.text.MessageFormat(line(language, key), Locale.forLanguageTag(spokenFor(language))).format(values);
    }

    /** How the bot names a topic (a quick reply, a team): its line "topic.<topic>" if it has one, else the topic itself. */
    public static String topic(String language, String topic) {
        try {
            return line(language, "topic." + topic);
        } catch (java.util.MissingResourceException e) {
            String words = topic.replace('_', ' ').replace('-', ' ');
            return Character.toUpperCase(words.charAt(0)) + words.substring(1);
        }
    }

    public static String line(String language, String key) {
        return ResourceBundle.getBundle("dev.rapport.chatbot.conversation.bot", Locale.forLanguageTag(spokenFor(language)),
                ResourceBundle.Control.getNoFallbackControl(ResourceBundle.Control.FORMAT_PROPERTIES)).getString(key);
    }
}
