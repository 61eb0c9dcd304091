package dev.overlayd.routing.proxy;

import java.util.Locale;

/**
 * Request paths that a copy would take for another path once it normalizes them: dot segments
 * (RFC 3986 5.2.4), raw or percent-encoded, and encoded slashes or backslashes. Routes match on a
 * path prefix, so {@code /public/../internal} would reach, through the rule for {@code /public},
 * what the copy serves as {@code /internal}. They are refused rather than normalized here: a
 * client that sends them is not a browser (browsers normalize before sending).
 */
final class RequestPath {
    private RequestPath() {}

    /** Why the path is refused, in words for the client; null when it is fine. */
    static String refusal(String path) {
        if (path.indexOf('%') < 0 && path.indexOf('\\') < 0 && path.indexOf("/.") < 0) {
            return null;
        }
        String p = path.toLowerCase(Locale.ROOT);
        if (p.contains("%2f") || p.contains("%5c") || p.indexOf('\\') >= 0 || p.contains("%00")) {
            return "the path holds an encoded slash, a backslash or a NUL";
        }
        for (String segment : p.replace("%2e", ".").split("/", -1)) {
            if (segment.equals(".") || segment.equals("..")) {
                return "the path holds . or .. segments";
            }
        }
        return null;
    }
}
