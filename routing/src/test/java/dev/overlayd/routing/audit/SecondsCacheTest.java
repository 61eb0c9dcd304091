package dev.overlayd.routing.audit;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.Locale;
import org.junit.jupiter.api.Test;

class SecondsCacheTest {
    /** The cache must write what the formatter does, whatever order the instants come in (lines from several loops). */
    @Test
    void writesWhatTheFormatterWrites() {
        DateTimeFormatter combined = DateTimeFormatter.ofPattern("dd/MMM/uuuu:HH:mm:ss.SSS Z", Locale.ENGLISH).withZone(ZoneOffset.UTC);
        DateTimeFormatter json = DateTimeFormatter.ofPattern("uuuu-MM-dd'T'HH:mm:ss.SSS'Z'").withZone(ZoneOffset.UTC);
        SecondsCache combinedCache = new SecondsCache("dd/MMM/uuuu:HH:mm:ss", " +0000");
        SecondsCache jsonCache = new SecondsCache("uuuu-MM-dd'T'HH:mm:ss", "Z");
        Instant base = Instant.parse("2026-12-31T23:59:59.000Z");
        for (long nanos : new long[] {0, 999_999, 1_000_000, 5_000_000, 99_000_000, 123_456_789, 999_999_999,
                1_000_000_000, 1_000_000_001, 500_000_000, 2_007_000_000, -1, -1_000_000_000L * 86_400 * 400}) {
            Instant t = base.plusNanos(nanos);
            assertEquals(combined.format(t), combinedCache.format(t), t.toString());
            assertEquals(json.format(t), jsonCache.format(t), t.toString());
        }
    }
}
