package dev.overlayd.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The audit log's disk full for real: the log's directory is a 1 MiB tmpfs, filled up by another
 * file while the node serves, so that the kernel fails the writes (a short write first, then
 * ENOSPC) as it would on a full /var/log. With the default {@code on_failure: serve} requests are
 * still answered, the failure is said once and counted, and when space is freed the lines that
 * waited are written, whole.
 */
class AuditDiskFullTest {
    private static final Duration CONVERGE = Duration.ofSeconds(30);
    private static final String METRICS = "127.0.0.1:9586";
    private static final int WHILE_FULL = 40;

    @TempDir
    Path dir;
    private Cluster cluster;
    private Path volume;

    @BeforeEach
    void mountASmallVolume() throws Exception {
        volume = Files.createDirectory(dir.resolve("log-volume"));
        Sh.ok("mount", "-t", "tmpfs", "-o", "size=1m,mode=0750", "tmpfs", volume.toString());
        cluster = new Cluster(dir);
    }

    /** The daemon goes with the namespaces first, so that nothing holds the volume when it is unmounted. */
    @AfterEach
    void removeEverything() throws Exception {
        try {
            if (cluster != null) {
                cluster.close();
            }
        } finally {
            Sh.run(List.of("umount", volume.toString()), 30);
        }
    }

    @Test
    void requestsAreServedWhileTheLogsDiskIsFullAndTheirLinesWrittenWholeOnceThereIsSpace() throws Exception {
        AuditedEdge edge = startAuditedEdge();
        int before = edge.linesFor("/before").size();

        // What the volume has left goes to another file, as when something else fills /var/log.
        Sh.run(List.of("dd", "if=/dev/zero", "of=" + volume.resolve("filler"), "bs=64k"), 60);
        for (int i = 0; i < WHILE_FULL; i++) {
            assertEquals(404, edge.request("/while-full"), "answered while the log cannot be written\n" + cluster.logText(1));
        }
        Await.until("the log to be failing", CONVERGE, () -> metric("overlayd_audit_failing") == 1, () -> cluster.logText(1));
        // Retried every second: a few retries, and still one warning.
        Await.until("retries of the write", CONVERGE, () -> metric("overlayd_audit_write_failures_total") >= 3);
        assertEquals(1, occurrences(cluster.logText(1), "cannot write ("), cluster.logText(1));

        long freed = System.nanoTime();
        Files.delete(volume.resolve("filler"));
        Await.until("the lines that waited", CONVERGE, () -> metric("overlayd_audit_failing") == 0, () -> cluster.logText(1));
        double seconds = (System.nanoTime() - freed) / 1e9;
        assertEquals(WHILE_FULL, edge.linesFor("/while-full").size(), "every line that waited, once");
        assertEquals(before, edge.linesFor("/before").size(), "nothing written twice");
        assertEquals(0, metric("overlayd_audit_lines_dropped_total"));
        String log = cluster.logText(1);
        assertEquals(1, occurrences(log, "cannot write ("), log);
        assertEquals(1, occurrences(log, "written again"), log);
        assertFalse(log.contains("\tat "), "a stack trace in the log:\n" + log);

        assertEquals(404, edge.request("/after"));
        Await.until("a line after the failure", CONVERGE, () -> edge.linesFor("/after").size() == 1);
        System.out.printf("AuditDiskFullTest: %d requests answered while full, %.0f failed writes counted, "
                + "all written %.1f s after space was freed%n", WHILE_FULL, metric("overlayd_audit_write_failures_total"), seconds);
    }

    /**
     * The node dies (SIGKILL) while the disk is full and the kernel has taken part of a line, and
     * systemd starts it again once there is space: the part line is the dead process's, lost with
     * it; the new process's lines must not be glued to it.
     */
    @Test
    void aNodeKilledWhileTheDiskIsFullLeavesNoTornLineForItsSuccessor() throws Exception {
        AuditedEdge edge = startAuditedEdge();

        Sh.run(List.of("dd", "if=/dev/zero", "of=" + volume.resolve("filler"), "bs=64k"), 60);
        for (int i = 0; i < WHILE_FULL; i++) {
            edge.request("/while-full");
        }
        Await.until("the log to be failing", CONVERGE, () -> metric("overlayd_audit_failing") == 1, () -> cluster.logText(1));
        // The file's last page took what it could of the first line that did not fit.
        assertFalse(Files.readString(edge.log()).endsWith("\n"), "no part line written: the case is not made");
        cluster.signal(1, "KILL");
        Files.delete(volume.resolve("filler"));
        cluster.start(1);
        Await.until("the restarted edge to answer", CONVERGE, () -> edge.request("/after") == 404, () -> cluster.logText(1));
        Await.until("the restarted node's line", CONVERGE, () -> metric("overlayd_audit_lines_total") == 1, () -> cluster.logText(1));
        assertEquals(1, edge.linesFor("/after").size(), Files.readString(edge.log()));
        String log = cluster.logText(1);
        assertEquals(1, occurrences(log, "partial line"), log);
        assertFalse(log.contains("\tat "), "a stack trace in the log:\n" + log);
    }

    /** Node 1 with its edge logging to the small volume, answered and logged once. */
    private AuditedEdge startAuditedEdge() throws Exception {
        Path yaml = cluster.addHost(1, "10s");
        AuditedEdge edge = new AuditedEdge(cluster, 1, volume.resolve("access.log"));
        Files.writeString(yaml, edge.section() + "metrics: {listen: " + METRICS + "}\n", StandardOpenOption.APPEND);
        cluster.start(1);
        Await.until("the edge to answer", CONVERGE, () -> edge.request("/before") == 404, () -> cluster.logText(1));
        Await.until("the first line", CONVERGE, () -> !edge.linesFor("/before").isEmpty());
        return edge;
    }

    /** A sample without labels from the node's /metrics. */
    private double metric(String name) throws Exception {
        String text = cluster.exec(1, "curl", "-sSf", "http://" + METRICS + "/metrics");
        return text.lines().filter(l -> l.startsWith(name + " ")).findFirst()
                .map(l -> Double.parseDouble(l.substring(name.length() + 1).strip()))
                .orElseThrow(() -> new AssertionError("no " + name + " in /metrics:\n" + text));
    }

    private static long occurrences(String text, String what) {
        return text.lines().filter(l -> l.contains(what)).count();
    }
}
