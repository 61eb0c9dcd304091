package dev.overlayd.routing.discovery;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import com.google.common.net.InetAddresses;
import dev.overlayd.node.plugin.ClusterMember;
import dev.overlayd.node.plugin.FakePluginContext;
import dev.overlayd.node.plugin.NodeIdentity;
import dev.overlayd.peers.IpPrefix;
import io.micrometer.core.instrument.MeterRegistry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The catalog as the node's meters count it: services, and instances by health. */
class DiscoveryMetricsTest {
    private static final NodeIdentity SELF = new NodeIdentity("n1", ip("100.64.0.1"), IpPrefix.parse("100.64.1.0/24"),
            List.of(), IpPrefix.parse("100.64.0.0/10"), "ovt1");
    private static final ClusterMember N2 = new ClusterMember("n2", ClusterMember.Kind.NODE, ip("100.64.0.2"),
            IpPrefix.parse("100.64.2.0/24"), List.of(), new InetSocketAddress("198.18.0.2", 51820));

    @TempDir
    Path state;

    private static InetAddress ip(String text) {
        return InetAddresses.forString(text);
    }

    private static byte[] record(String service, String address, Health health) {
        return InstanceRecord.encode(new ServiceInstance(service, "n2:" + service + ":" + address, ip(address), 8080, "tcp",
                "n2", List.of(), health, Instant.ofEpochMilli(1_000), List.of()));
    }

    private static double gauge(MeterRegistry metrics, String name, String... tags) {
        return metrics.get(name).tags(tags).gauge().value();
    }

    @Test
    void theServicesTheCatalogKnowsAndTheirInstancesByHealthAreGauges() throws Exception {
        // Neither Docker nor DNS: the catalog alone.
        DiscoveryPlugin plugin = new DiscoveryPlugin(new DiscoveryConfig("overlay", null,
                new DiscoveryConfig.Dns(false, null, 53, Duration.ofSeconds(5), null)));
        FakePluginContext context = new FakePluginContext(SELF, state);
        plugin.start(context);
        try {
            MeterRegistry metrics = context.metrics();
            assertEquals(0, gauge(metrics, "overlayd.services"));
            context.join(N2);
            context.records("n2", Map.of("a", record("web", "100.64.2.7", Health.PASSING),
                    "b", record("web", "100.64.2.8", Health.UNHEALTHY), "c", record("db", "100.64.2.9", Health.PASSING)));
            assertEquals(2, gauge(metrics, "overlayd.services"));
            assertEquals(2, gauge(metrics, "overlayd.service.instances", "health", "passing"));
            assertEquals(1, gauge(metrics, "overlayd.service.instances", "health", "unhealthy"));
            assertEquals(0, gauge(metrics, "overlayd.service.instances", "health", "starting"));

            context.leave("n2", "left");
            assertEquals(0, gauge(metrics, "overlayd.services"));
        } finally {
            plugin.close();
        }
    }
}
