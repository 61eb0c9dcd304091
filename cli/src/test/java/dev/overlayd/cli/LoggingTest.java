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

    @Test
    void controlCharactersInAMessageAreEscapedSoEveryRecordIsOneLine() {
        // A member name as an attacker would choose it: a forged second record and a terminal colour.
        String name = "h9\n2026-11-21T08:37:25.000 INFO member h1 removed\u001b[31m\r\u0085\u007f\\n";
        LogRecord r = new LogRecord(Level.WARNING, "refused member: {0}");
        r.setParameters(new Object[] {name});
        r.setThrown(new SocketException("bad\nname"));

        String line = new Logging.Line(false).format(r);

        assertEquals(1, line.lines().count(), line);
        assertTrue(line.endsWith(" WARNING refused member: h9\\n2026-11-21T08:37:25.000 INFO member h1 removed"
                + "\\u001b[31m\\r\\u0085\\u007f\\\\n: java.net.SocketException: bad\\nname\n"), line);
        assertTrue(line.chars().noneMatch(c -> c < 0x20 && c != '\n' || c >= 0x7f && c <= 0x9f), line);
    }

    @Test
    void aStackTraceKeepsItsLinesButNotTheControlsInItsMessage() {
        String text = new Logging.Line(true).format(record(new SocketException("bad\r\nname")));
        assertTrue(text.contains("java.net.SocketException: bad\\r\\nname\n\tat dev.overlayd.cli.LoggingTest"), text);
    }
}
