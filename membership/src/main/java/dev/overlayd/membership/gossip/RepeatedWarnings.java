package dev.overlayd.membership.gossip;

import java.util.HashMap;
import java.util.Map;

/**
 * One line a minute for a warning that repeats: a revoked or foreign node retries its join every
 * second or so, and each refusal would otherwise be a line in every member's log. Sans-I/O: the
 * caller gives the time.
 */
public final class RepeatedWarnings {
    static final long WINDOW_NANOS = 60_000_000_000L;
    /** Keys beyond this many make the table forget those whose minute has passed. */
    private static final int MAX_KEYS = 256;

    private record Seen(long loggedAt, int heldBack) {}

    private final Map<String, Seen> seen = new HashMap<>();

    /**
     * Whether to log the warning filed under {@code key} now: null when it was logged less than a
     * minute ago (it is counted); otherwise the suffix to log it with, naming how many were held back.
     */
    public String pass(String key, long now) {
        Seen last = seen.get(key);
        if (last != null && now - last.loggedAt() < WINDOW_NANOS) {
            seen.put(key, new Seen(last.loggedAt(), last.heldBack() + 1));
            return null;
        }
        if (seen.size() >= MAX_KEYS) {
            seen.values().removeIf(s -> now - s.loggedAt() >= WINDOW_NANOS);
        }
        seen.put(key, new Seen(now, 0));
        return last == null || last.heldBack() == 0 ? "" : " (" + last.heldBack() + " more like it in the last minute)";
    }
}
