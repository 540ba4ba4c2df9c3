package dev.rapport.runtime.text;

/** Text put into HTML the suite writes (an email's HTML part, its own pages): always as text, never as markup. */
public final class Html {
    private Html() {
    }

    /** Escaped for an element's content and for a quoted attribute value. */
    public static String escape(String text) {
        return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;").replace("\"", "&quot;").replace("'", "&#39;");
    }
}
