package dev.overlayd.membership.gossip;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import org.junit.jupiter.api.Test;

class RepeatedWarningsTest {
    private static final long SECOND = 1_000_000_000L;

    @Test
    void aWarningRepeatingEverySecondIsOneLineAMinuteThatCountsTheRest() {
        RepeatedWarnings warnings = new RepeatedWarnings();
        assertEquals("", warnings.pass("198.18.1.3/h3 revoked", 0));
        for (int s = 1; s < 60; s++) {
            assertNull(warnings.pass("198.18.1.3/h3 revoked", s * SECOND));
        }
        assertEquals("", warnings.pass("198.18.1.4/foreign", 30 * SECOND), "another key is another line");
        assertEquals(" (59 more like it in the last minute)", warnings.pass("198.18.1.3/h3 revoked", 60 * SECOND));
        assertEquals("", warnings.pass("198.18.1.3/h3 revoked", 200 * SECOND), "none held back since");
    }
}
