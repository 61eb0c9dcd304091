package dev.overlayd.node.control;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class VerdictTest {
    private static final long SECOND = 1_000_000_000L;
    private static final long NOW = 1_800_000_000L * SECOND;

    @Test
    void neverConnectedWithoutAHandshake() {
        assertEquals("never connected", Verdict.of(0, NOW));
    }

    @Test
    void healthyWhileASessionCanStillBeAlive() {
        assertEquals("healthy", Verdict.of(NOW, NOW));
        assertEquals("healthy", Verdict.of(NOW - 179 * SECOND, NOW));
    }

    @Test
    void afterRejectAfterTimeItSaysHowLong() {
        assertEquals("no handshake for 3m", Verdict.of(NOW - 180 * SECOND, NOW));
        assertEquals("no handshake for 3m", Verdict.of(NOW - 239 * SECOND, NOW));
        assertEquals("no handshake for 1h5m", Verdict.of(NOW - 3900 * SECOND, NOW));
        assertEquals("no handshake for 2d3h", Verdict.of(NOW - (2 * 86_400 + 3 * 3600 + 59) * SECOND, NOW));
    }

    @Test
    void durations() {
        assertEquals("0s", Durations.coarse(0));
        assertEquals("59s", Durations.coarse(59));
        assertEquals("1m", Durations.coarse(60));
        assertEquals("2h", Durations.coarse(7200));
        assertEquals("1m30s", Durations.fine(90));
        assertEquals("9m59s", Durations.fine(599));
        assertEquals("10m", Durations.fine(600));
        assertEquals("0s", Durations.coarse(-3));
    }
}
