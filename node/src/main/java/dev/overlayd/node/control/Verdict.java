package dev.overlayd.node.control;

import dev.overlayd.noise.Protocol;

/** The plain-words state of a peer an operator reads first. */
public final class Verdict {
    public static final String HEALTHY = "healthy";
    public static final String NEVER_CONNECTED = "never connected";
    private static final long SECOND = 1_000_000_000L;

    private Verdict() {}

    /**
     * A session lives for RejectAfterTime after its handshake, and an active peer rekeys well before
     * then; so a peer without a handshake for that long has no working session, whatever the reason
     * (idle, unreachable, or its key changed).
     */
    public static String of(long lastHandshakeEpochNanos, long nowEpochNanos) {
        if (lastHandshakeEpochNanos == 0) {
            return NEVER_CONNECTED;
        }
        long age = nowEpochNanos - lastHandshakeEpochNanos;
        if (age < Protocol.REJECT_AFTER_TIME) {
            return HEALTHY;
        }
        return "no handshake for " + Durations.coarse(age / SECOND);
    }
}
