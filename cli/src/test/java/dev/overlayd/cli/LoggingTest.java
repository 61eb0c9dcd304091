package dev.overlayd.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.SocketException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.logging.Level;
import java.util.logging.LogRecord;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LoggingTest {
    private static LogRecord record(Throwable thrown) {
        LogRecord r = new LogRecord(Level.WARNING, "Failed to retrieve the list of available network interfaces");
        r.setInstant(Instant.parse("2026-11-21T08:37:24.835Z"));
        r.setThrown(thrown);
        return r;
    }

    @Test
    void oneLineWithMillisecondsAndTheExceptionsDescriptionButNoStackTrace() {
        String line = new Logging.Line(false, false).format(record(new SocketException("No network interfaces configured")));
        String time = DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.SSS").withZone(ZoneId.systemDefault())
                .format(Instant.parse("2026-11-21T08:37:24.835Z"));
        assertEquals(time + " WARNING Failed to retrieve the list of available network interfaces: "
                + "java.net.SocketException: No network interfaces configured\n", line);
    }

    @Test
    void verboseIsOverlaydsOwnNotTheJdksDebugRecords() {
        Level before = java.util.logging.Logger.getLogger("").getLevel();
        try {
            Logging.configure("verbose", false);
            assertTrue(java.util.logging.Logger.getLogger("dev.overlayd.node.Node").isLoggable(Level.FINE));
            assertFalse(java.util.logging.Logger.getLogger("java.lang.ProcessBuilder").isLoggable(Level.FINE),
                    "the JDK logs a stack trace for every process at FINE");
            assertTrue(java.util.logging.Logger.getLogger("io.netty.channel").isLoggable(Level.INFO));
        } finally {
            Logging.configure("info", false);
            java.util.logging.Logger.getLogger("").setLevel(before);
        }
    }

    @Test
    void verboseKeepsTheStackTrace() {
        String text = new Logging.Line(true, false).format(record(new SocketException("No network interfaces configured")));
        assertTrue(text.contains("\n\tat dev.overlayd.cli.LoggingTest"), text);
    }

    @Test
    void controlCharactersInAMessageAreEscapedSoEveryRecordIsOneLine() {
        // A member name as an attacker would choose it: a forged second record and a terminal colour.
        String name = "h9\n2026-11-21T08:37:25.000 INFO member h1 removed\u001b[31m\r\u0085\u007f\\n";
        LogRecord r = new LogRecord(Level.WARNING, "refused member: {0}");
        r.setParameters(new Object[] {name});
        r.setThrown(new SocketException("bad\nname"));

        String line = new Logging.Line(false, false).format(r);

        assertEquals(1, line.lines().count(), line);
        assertTrue(line.endsWith(" WARNING refused member: h9\\n2026-11-21T08:37:25.000 INFO member h1 removed"
                + "\\u001b[31m\\r\\u0085\\u007f\\\\n: java.net.SocketException: bad\\nname\n"), line);
        assertTrue(line.chars().noneMatch(c -> c < 0x20 && c != '\n' || c >= 0x7f && c <= 0x9f), line);
    }

    @Test
    void aStackTraceKeepsItsLinesButNotTheControlsInItsMessage() {
        String text = new Logging.Line(true, false).format(record(new SocketException("bad\r\nname")));
        assertTrue(text.contains("java.net.SocketException: bad\\r\\nname\n\tat dev.overlayd.cli.LoggingTest"), text);
    }

    @Test
    void forTheJournalThePriorityPrefixReplacesTheTime() {
        String line = new Logging.Line(false, true).format(record(new SocketException("No network interfaces configured")));
        assertEquals("<4>WARNING Failed to retrieve the list of available network interfaces: "
                + "java.net.SocketException: No network interfaces configured\n", line);
        LogRecord info = new LogRecord(Level.INFO, "overlay0: up, UDP port 51820");
        assertEquals("<6>INFO overlay0: up, UDP port 51820\n", new Logging.Line(false, true).format(info));
        assertEquals("<3>SEVERE x\n", new Logging.Line(false, true).format(new LogRecord(Level.SEVERE, "x")));
        assertEquals("<7>FINE x\n", new Logging.Line(true, true).format(new LogRecord(Level.FINE, "x")));
    }

    @Test
    void forTheJournalEveryLineOfAStackTraceKeepsThePriority() {
        Exception cause = new SocketException("no route");
        String text = new Logging.Line(true, true).format(record(new IllegalStateException("outer", cause)));
        assertTrue(text.lines().count() > 2, text);
        assertTrue(text.lines().allMatch(l -> l.startsWith("<4>")), text);
        assertTrue(text.contains("\n<4>Caused by: java.net.SocketException: no route"), text);
    }

    @Test
    void theJournalCountsOnlyWhileStderrIsItsStream(@TempDir Path dir) throws Exception {
        Path stream = Files.createFile(dir.resolve("stream"));
        String identity = Files.getAttribute(stream, "unix:dev") + ":" + Files.getAttribute(stream, "unix:ino");
        assertTrue(Logging.journald(identity, stream));
        // Inherited by a child whose stderr went elsewhere (a log file): times again.
        assertFalse(Logging.journald(identity, Files.createFile(dir.resolve("overlayd-wg0.log"))));
        assertFalse(Logging.journald(null, stream));
        assertFalse(Logging.journald("", stream));
        assertFalse(Logging.journald("garbage", stream));
    }
}
