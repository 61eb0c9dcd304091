package dev.overlayd.routing.audit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.logging.Level;
import dev.overlayd.containers.Await;
import dev.overlayd.containers.LogCapture;
import dev.overlayd.routing.edge.EdgeConfig.LogFormat;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The access log's file: moved away by logrotate, and full. A full disk is the kernel's own: the
 * log is a symbolic link to /dev/full, whose every write fails with ENOSPC, pointed at a real file
 * to free the space.
 */
class AccessLogFileTest {
    private static final Path FULL = Path.of("/dev/full");

    @TempDir
    Path temp;

    private final MeterRegistry metrics = new SimpleMeterRegistry();
    private final LogCapture log = new LogCapture().attach(AccessLogWriter.class);

    @AfterEach
    void detach() {
        log.detach();
    }

    private double count(String name) {
        return metrics.get(name).counter().count();
    }

    private static long lines(Path file) throws Exception {
        return Files.exists(file) ? Files.readAllLines(file).size() : 0;
    }

    @Test
    void aLogThatCannotBeOpenedIsAClearErrorAtTheStart() throws Exception {
        Path notADirectory = Files.writeString(temp.resolve("plain"), "");
        IOException e = assertThrows(IOException.class,
                () -> Audit.open(Records.log(notADirectory.resolve("access.log"), LogFormat.JSON, false, false), metrics));
        assertEquals("cannot open the access log " + notADirectory.resolve("access.log") + ": " + notADirectory
                + " is in the way, not a directory", e.getMessage());
    }

    @Test
    void aPartLineLeftByADeadProcessIsCutSoThatTheNextLineStandsAlone() throws Exception {
        Path file = temp.resolve("access.log");
        // A whole line, then what a process killed in its write left of the next: longer than one read.
        Files.writeString(file, "{\"whole\":1}\n" + "{\"part\":\"" + "x".repeat(20_000));
        try (Audit audit = Audit.open(Records.log(file, LogFormat.JSON, false, false), metrics)) {
            audit.completed(Records.request("/after", null, 200));
            Await.until(() -> count("overlayd.audit.lines") == 1, () -> "the line written");
        }
        List<String> lines = Files.readAllLines(file);
        assertEquals(2, lines.size(), lines.toString());
        assertEquals("{\"whole\":1}", lines.getFirst());
        assertTrue(lines.get(1).startsWith("{") && lines.get(1).contains("/after"), lines.get(1));
        assertEquals(List.of("access log " + file + ": removed a partial line of 20009 bytes at its end, left by a process that died "
                + "while writing it"), log.lines(Level.WARNING, "partial line"));

        Files.writeString(file, "no newline at all");
        try (Audit audit = Audit.open(Records.log(file, LogFormat.JSON, false, false), metrics)) {
            assertEquals(0, Files.size(file), "a file of one part line is emptied");
        }
        Files.writeString(file, "{\"whole\":1}\n");
        log.clear();
        try (Audit audit = Audit.open(Records.log(file, LogFormat.JSON, false, false), metrics)) {
            assertEquals(12, Files.size(file), "a whole file is left as it is");
        }
        assertEquals(List.of(), log.lines(Level.WARNING, "partial line"));
    }

    @Test
    void afterLogrotateMovedTheFileReopenWritesANewOne() throws Exception {
        Path file = temp.resolve("access.log");
        try (Audit audit = Audit.open(Records.log(file, LogFormat.JSON, false, false), metrics)) {
            audit.completed(Records.request("/before", null, 200));
            Await.until(() -> count("overlayd.audit.lines") == 1, () -> "the first line written");
            Path rotated = temp.resolve("access.log.1");
            Files.move(file, rotated);
            audit.completed(Records.request("/between", null, 200));
            Await.until(() -> count("overlayd.audit.lines") == 2, () -> "the second line written");
            audit.reopen();
            audit.completed(Records.request("/after", null, 200));
            Await.until(() -> Files.exists(file), () -> "a new file at the configured path");
            audit.close();
            List<String> old = Files.readAllLines(rotated);
            List<String> fresh = Files.readAllLines(file);
            assertEquals(2, old.size(), "until the reopen the moved file takes the lines, as logrotate's delaycompress expects");
            assertTrue(old.get(1).contains("/between"));
            assertEquals(1, fresh.size());
            assertTrue(fresh.getFirst().contains("/after"));
        }
    }

    @Test
    void aFullDiskIsCountedSaidOnceAndRefusesRequestsWhenConfigured() throws Exception {
        Path link = Files.createSymbolicLink(temp.resolve("access.log"), FULL);
        try (Audit audit = Audit.open(Records.log(link, LogFormat.JSON, false, true), metrics)) {
            assertTrue(audit.accepting());
            audit.completed(Records.request("/lost?", null, 200));
            Await.until(() -> !audit.accepting(), () -> "requests refused while the log cannot be written");
            audit.reopen(); // A retry at once, on the file opened again: still full.
            Await.until(() -> count("overlayd.audit.write.failures") >= 2, () -> "the retry counted");
            assertFalse(audit.accepting());
            assertEquals(0, count("overlayd.audit.lines"));
            assertEquals(1, metrics.get("overlayd.audit.failing").gauge().value());
            List<String> said = log.lines(Level.WARNING, "cannot write");
            assertEquals(1, said.size(), "said once, not per retry or line: " + said);
            assertTrue(said.getFirst().contains("No space left on device"), said.getFirst());
        }
    }

    @Test
    void withoutRefuseRequestsAreServedWhileTheDiskIsFull() throws Exception {
        Path link = Files.createSymbolicLink(temp.resolve("access.log"), FULL);
        try (Audit audit = Audit.open(Records.log(link, LogFormat.COMBINED, false, false), metrics)) {
            audit.completed(Records.request("/", null, 200));
            Await.until(() -> count("overlayd.audit.write.failures") >= 1, () -> "the failure counted");
            assertTrue(audit.accepting());
        }
    }

    @Test
    void whenSpaceIsFreedTheWaitingLinesAreWrittenAndOnlyTheOverflowIsLost() throws Exception {
        Path link = Files.createSymbolicLink(temp.resolve("access.log"), FULL);
        Path real = temp.resolve("real.log");
        int total = AccessLogWriter.QUEUE + 1000;
        try (Audit audit = Audit.open(Records.log(link, LogFormat.JSON, false, true), metrics)) {
            audit.completed(Records.request("/0", null, 200));
            Await.until(() -> count("overlayd.audit.write.failures") >= 1, () -> "the failure counted");
            for (int i = 1; i < total; i++) {
                audit.completed(Records.request("/" + i, null, 200));
            }
            assertTrue(count("overlayd.audit.lines.dropped") > 0, "more lines than the queue holds");
            assertFalse(audit.accepting(), "no room for a request's line");
            Files.delete(link);
            Files.createSymbolicLink(link, real);
            audit.reopen();
            Await.until(audit::accepting, () -> "accepting again once written");
            Await.until(() -> count("overlayd.audit.lines") + count("overlayd.audit.lines.dropped") == total,
                    () -> "every line written or dropped: " + count("overlayd.audit.lines"));
        }
        assertEquals((long) count("overlayd.audit.lines"), lines(real), "the counter counts lines in the file");
        assertTrue(Files.readAllLines(real).getFirst().contains("\"path\":\"/0\""), "the line that failed first is kept, not lost");
        assertEquals(0, metrics.get("overlayd.audit.failing").gauge().value());
        assertEquals(1, log.lines(Level.INFO, "written again").size());
        assertEquals(1, log.lines(Level.WARNING, "further lines are dropped").size(), "said once");
    }
}
