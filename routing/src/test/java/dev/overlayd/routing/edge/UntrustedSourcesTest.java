package dev.overlayd.routing.edge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetSocketAddress;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;
import dev.overlayd.containers.LogCapture;
import org.junit.jupiter.api.Test;

/** A scanner's connections are all counted, but said in the log once per interval, with how many were not said. */
class UntrustedSourcesTest {
    @Test
    void oneLinePerIntervalWithTheCountOfTheUnsaid() {
        AtomicLong now = new AtomicLong(1_000);
        EdgeCounters counters = new EdgeCounters();
        UntrustedSources sources = new UntrustedSources(counters, now::get);
        LogCapture capture = new LogCapture().attach(UntrustedSources.class);
        try {
            InetSocketAddress scanner = new InetSocketAddress("198.18.9.9", 5555);
            for (int i = 0; i < 50; i++) {
                sources.refused(scanner);
            }
            assertEquals(1, capture.lines("not a trusted balancer").size());
            now.addAndGet(UntrustedSources.INTERVAL.toNanos() - 1);
            sources.refused(scanner);
            assertEquals(1, capture.lines("not a trusted balancer").size());
            now.addAndGet(1);
            sources.refused(scanner);
            List<String> lines = capture.lines("not a trusted balancer");
            assertEquals(2, lines.size());
            assertTrue(lines.get(0).contains("198.18.9.9:5555") && !lines.get(0).contains("more"), lines.get(0));
            assertTrue(lines.get(1).endsWith("; 50 more since the last such line"), lines.get(1));
            assertEquals(52, counters.untrusted());
        } finally {
            capture.detach();
        }
    }
}
