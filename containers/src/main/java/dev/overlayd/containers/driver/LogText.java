package dev.overlayd.containers.driver;

/** Request text as it may go into a log line or an error reply: printable ASCII, and little of it. */
final class LogText {
    private static final int MAX_FIELD = 80;
    private static final int MAX_MESSAGE = 400;

    private LogText() {}

    /** A field from a request: at most 80 characters. */
    static String printable(String text) {
        return text == null ? "(none)" : clean(text, MAX_FIELD);
    }

    /** A whole message, which may quote a request (Jackson's do). */
    static String message(String text) {
        return text == null ? "(no message)" : clean(text, MAX_MESSAGE);
    }

    private static String clean(String text, int max) {
        String clipped = text.length() > max ? text.substring(0, max) + "..." : text;
        return clipped.codePoints().map(c -> c >= 0x20 && c < 0x7f ? c : '?')
                .collect(StringBuilder::new, StringBuilder::appendCodePoint, StringBuilder::append).toString();
    }
}
