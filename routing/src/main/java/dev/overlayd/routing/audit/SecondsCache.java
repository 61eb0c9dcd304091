package dev.overlayd.routing.audit;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Locale;

/**
 * A log line's UTC timestamp with milliseconds: the text up to the second is formatted once a second
 * and reused by every line in it (a DateTimeFormatter per line was a tenth of the edge's CPU per
 * request in profiles); the milliseconds are appended by hand. Lines from several event loops may
 * race to replace the cached second: each sees a whole one, its own or another's of the same second.
 */
final class SecondsCache {
    private record Second(long epochSecond, String text) {}

    private final DateTimeFormatter seconds;
    private final String zone;
    private volatile Second last = new Second(Long.MIN_VALUE, "");

    /** @param secondsPattern the pattern up to the seconds; {@code zone} follows the milliseconds */
    SecondsCache(String secondsPattern, String zone) {
        this.seconds = DateTimeFormatter.ofPattern(secondsPattern, Locale.ENGLISH).withZone(ZoneOffset.UTC);
        this.zone = zone;
    }

    void append(StringBuilder line, Instant time) {
        Second s = last;
        if (s.epochSecond() != time.getEpochSecond()) {
            s = new Second(time.getEpochSecond(), seconds.format(time));
            last = s;
        }
        int ms = time.getNano() / 1_000_000;
        line.append(s.text()).append('.')
                .append((char) ('0' + ms / 100)).append((char) ('0' + ms / 10 % 10)).append((char) ('0' + ms % 10))
                .append(zone);
    }

    String format(Instant time) {
        StringBuilder text = new StringBuilder(32);
        append(text, time);
        return text.toString();
    }
}
