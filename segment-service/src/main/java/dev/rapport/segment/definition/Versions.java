package dev.rapport.segment.definition;

import java.util.regex.Pattern;

/** App versions compared part by part ("2.10" after "2.9", "1.2" equal to "1.2.0"), as SQL's version_cmp does. */
public final class Versions {
    private static final Pattern VERSION = Pattern.compile("[0-9]{1,9}(\\.[0-9]{1,9}){0,4}");

    private Versions() {
    }

    public static boolean isVersion(String text) {
        return VERSION.matcher(text).matches();
    }

    /** The sign of a - b; null when either is not a version. */
    public static Integer compare(String a, String b) {
        if (!isVersion(a) || !isVersion(b)) {
            return null;
        }
        String[] pa = a.split("\\.");
        String[] pb = b.split("\\.");
        for (int i = 0; i < 5; i++) {
            long x = i < pa.length ? Long.parseLong(pa[i]) : 0;
            long y = i < pb.length ? Long.parseLong(pb[i]) : 0;
            if (x != y) {
                return Long.signum(x - y);
            }
        }
        return 0;
    }
}
