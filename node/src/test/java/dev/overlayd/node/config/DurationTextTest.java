package dev.overlayd.node.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class DurationTextTest {
    @Test
    void readsEveryUnit() {
        assertEquals(Duration.ofMillis(500), DurationText.parse("500ms"));
        assertEquals(Duration.ofSeconds(10), DurationText.parse("10s"));
        assertEquals(Duration.ofMinutes(2), DurationText.parse("2m"));
        assertEquals(Duration.ofHours(24), DurationText.parse("24h"));
        assertEquals(Duration.ofDays(7), DurationText.parse("7d"));
    }

    @Test
    void refusesWhatIsNotOne() {
        assertEquals("'1w' is not a duration such as 10s, 500ms or 2m",
                assertThrows(IllegalArgumentException.class, () -> DurationText.parse("1w")).getMessage());
    }
}
