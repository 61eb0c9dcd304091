package dev.overlayd.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.SocketException;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import org.junit.jupiter.api.Test;

class LoggingTest {
    private static LogRecord record(Throwable thrown) {
        LogRecord r = new LogRecord(Level.WARNING, "Failed to retrieve the list of available network interfaces");
        r.setInstant(Instant.parse("2026-11-21T08:37:24.835Z"));
        r.setThrown(thrown);
        return r;
    }

    @Test
    void oneLineWithMillisecondsAndTheExceptionsDescriptionButNoStackTrace() {
        String line = new Logging.Line(false).format(record(new SocketException("No network interfaces configured")));
        String time = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSS").withZone(ZoneId.systemDefault())
                .format(Instant.parse("2026-11-21T08:37:24.835Z"));
        assertEquals(time + " WARNING Failed to retrieve the list of available network interfaces: "
                + "java.net.SocketException: No network interfaces configured\n", line);
    }

    @Test
    void verboseKeepsTheStackTrace() {
        String text = new Logging.Line(true).format(record(new SocketException("No network interfaces configured")));
        assertTrue(text.contains("\n\tat dev.overlayd.cli.LoggingTest"), text);
    }
}
