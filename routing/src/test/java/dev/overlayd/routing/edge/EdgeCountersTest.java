package dev.overlayd.routing.edge;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

class EdgeCountersTest {
    @Test
    void whatTheEdgeClosedIsCountedByReasonWhereMetricsReadIt() {
        EdgeCounters counters = new EdgeCounters();
        SimpleMeterRegistry registry = new SimpleMeterRegistry();
        counters.register(registry);
        counters.untrusted.add(3);
        counters.headerDeadlines.increment();
        counters.rejected.increment();
        assertEquals(3, registry.get("overlayd.edge.connections.closed").tag("reason", "untrusted").functionCounter().count());
        assertEquals(1, registry.get("overlayd.edge.connections.closed").tag("reason", "header_deadline").functionCounter().count());
        assertEquals(0, registry.get("overlayd.edge.connections.closed").tag("reason", "second_proxy_header").functionCounter().count());
        assertEquals(1, registry.get("overlayd.edge.rejected").functionCounter().count());
    }
}
