package dev.overlayd.routing.proxy;

/**
 * Passive health of one copy, without I/O: {@code after} failures in a row (refused, reset, timed
 * out, a gateway error) take it out of balancing for {@code base} times the ejections in a row,
 * at most {@link #MAX_MULTIPLIER} times (Envoy's outlier detection, whose 300 s cap is ten of its
 * 30 s). A copy that answers after it is back starts over. Times are nanoseconds from an injected
 * clock. Shared by every event loop, hence synchronized: the sections are a few fields long.
 */
final class Ejection {
    static final int MAX_MULTIPLIER = 10;

    private final int after;
    private final long base;
    private int failures;
    private int ejections;
    private long until;
    private boolean ejected;

    Ejection(int after, long baseNanos) {
        this.after = after;
        this.base = baseNanos;
    }

    /** Whether the copy is out of balancing at {@code now}. */
    synchronized boolean ejected(long now) {
        return ejected && now - until < 0;
    }

    /** Nanoseconds it stays out from {@code now}, 0 when it takes requests. */
    synchronized long remaining(long now) {
        return ejected(now) ? until - now : 0;
    }

    /** The copy answered. */
    synchronized void success(long now) {
        failures = 0;
        if (ejected && now - until >= 0) {
            ejected = false;
            ejections = 0;
        }
    }

    /**
     * The copy failed a request. {@code mayEject} false when ejecting it would leave too few copies
     * of its route (it still counts the failure, and is ejected by a later one once it may be).
     *
     * @return whether this failure ejected it
     */
    synchronized boolean failure(long now, boolean mayEject) {
        if (ejected(now)) {
            return false;
        }
        failures++;
        if (failures < after || !mayEject) {
            return false;
        }
        failures = 0;
        ejections = Math.min(ejections + 1, MAX_MULTIPLIER);
        ejected = true;
        until = now + base * ejections;
        return true;
    }
}
