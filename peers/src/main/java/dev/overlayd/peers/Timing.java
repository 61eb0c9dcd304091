package dev.overlayd.peers;

import java.time.Duration;
import dev.overlayd.noise.Protocol;

/**
 * The durations the device's timers run on. Production always uses {@link #PROTOCOL}, the values
 * of the WireGuard paper. Tests of rekeying shorten rekey-after-time through
 * {@code OVERLAYD_TEST_REKEY_AFTER_SECONDS}, a setting that exists for them alone.
 */
public record Timing(long rekeyAfterTime, long rejectAfterTime, long rekeyTimeout, long keepaliveTimeout,
                     int maxHandshakeAttempts) {

    public static final Timing PROTOCOL = new Timing(Protocol.REKEY_AFTER_TIME, Protocol.REJECT_AFTER_TIME,
            Protocol.REKEY_TIMEOUT, Protocol.KEEPALIVE_TIMEOUT,
            (int) (Protocol.REKEY_ATTEMPT_TIME / Protocol.REKEY_TIMEOUT));

    static final String TEST_REKEY_VARIABLE = "OVERLAYD_TEST_REKEY_AFTER_SECONDS";

    /** {@link #PROTOCOL}, unless the test-only variable shortens rekeying. */
    public static Timing fromEnvironment() {
        String rekey = System.getenv(TEST_REKEY_VARIABLE);
        if (rekey == null || rekey.isBlank()) {
            return PROTOCOL;
        }
        long seconds = Long.parseLong(rekey.strip());
        return new Timing(Duration.ofSeconds(seconds).toNanos(), PROTOCOL.rejectAfterTime, PROTOCOL.rekeyTimeout,
                PROTOCOL.keepaliveTimeout, PROTOCOL.maxHandshakeAttempts);
    }

    /** A receiving initiator renews its session this long after it began (165 s), before it expires. */
    long rekeyAfterTimeReceiving() {
        return rejectAfterTime - keepaliveTimeout - rekeyTimeout;
    }
}
