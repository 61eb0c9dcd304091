package dev.overlayd.routing.discovery;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import com.google.common.net.InetAddresses;
import dev.overlayd.node.plugin.ClusterMember;
import dev.overlayd.node.plugin.NodeIdentity;
import dev.overlayd.peers.IpPrefix;
import org.junit.jupiter.api.Test;

class ServiceCatalogTest {
    private static final NodeIdentity SELF = new NodeIdentity("n1", ip("100.64.0.1"), IpPrefix.parse("100.64.1.0/24"),
            List.of(), IpPrefix.parse("100.64.0.0/10"), "ovt1");
    private static final ClusterMember N2 = new ClusterMember("n2", ClusterMember.Kind.NODE, ip("100.64.0.2"),
            IpPrefix.parse("100.64.2.0/24"), List.of(), new InetSocketAddress("198.18.0.2", 51820));
    private static final ClusterMember N3 = new ClusterMember("n3", ClusterMember.Kind.NODE, ip("100.64.0.3"),
            IpPrefix.parse("100.64.3.0/24"), List.of(), new InetSocketAddress("198.18.0.3", 51820));

    private final ServiceCatalog catalog = new ServiceCatalog(SELF);
    private final List<CatalogSnapshot> heard = new CopyOnWriteArrayList<>();

    private static InetAddress ip(String text) {
        return InetAddresses.forString(text);
    }

    private static byte[] record(String service, String address, int port, Health health) {
        return InstanceRecord.encode(new ServiceInstance(service, "x:" + service + ":" + port, ip(address), port, "tcp",
                "whatever the record says", List.of("v1"), health, Instant.ofEpochMilli(1_000), List.of()));
    }

    @Test
    void instancesOfEveryMemberMakeOneCatalogAndEachChangeIsHeard() {
        catalog.joined(N2);
        catalog.watch(heard::add);
        assertEquals(List.of(CatalogSnapshot.EMPTY), heard, "a watcher hears the catalog as it is at once");
        catalog.records("n1", Map.of("a", record("web", "100.64.1.5", 8080, Health.PASSING)));
        catalog.records("n2", Map.of("b", record("web", "100.64.2.7", 8080, Health.PASSING),
                "c", record("web", "100.64.2.8", 8080, Health.UNHEALTHY)));
        CatalogSnapshot now = catalog.snapshot();
        assertEquals(3, now.instances().size());
        assertEquals(List.of("100.64.1.5", "100.64.2.7"),
                now.healthy("web", null).stream().map(i -> i.address().getHostAddress()).sorted().toList());
        assertEquals(List.of("n1", "n2", "n2"), now.instances().stream().map(ServiceInstance::node).sorted().toList(),
                "the node is whose record it is, never what the record says");
        assertEquals(3, heard.size());

        catalog.records("n2", Map.of("b", record("web", "100.64.2.7", 8080, Health.PASSING),
                "c", record("web", "100.64.2.8", 8080, Health.UNHEALTHY)));
        assertEquals(3, heard.size(), "the same records again are no change");

        catalog.left(N2, "left");
        assertEquals(List.of("100.64.1.5"), catalog.snapshot().instances().stream().map(i -> i.address().getHostAddress()).toList());
        assertEquals(4, heard.size());
    }

    @Test
    void aMemberVouchesOnlyForAddressesInItsOwnContainerSubnet() {
        catalog.joined(N2);
        catalog.joined(N3);
        catalog.records("n3", Map.of("moved", record("db", "100.64.2.7", 5432, Health.PASSING),
                "elsewhere", record("db", "198.18.0.1", 5432, Health.PASSING),
                "own", record("db", "100.64.3.9", 5432, Health.PASSING),
                "junk", "{not json".getBytes(StandardCharsets.UTF_8)));
        assertEquals(List.of("100.64.3.9"), catalog.snapshot().instances().stream().map(i -> i.address().getHostAddress()).toList());
        assertEquals(Map.of("address outside the member's subnet", 2L, "malformed record", 1L), catalog.refused());
        catalog.records("n9", Map.of("x", record("db", "100.64.9.1", 5432, Health.PASSING)));
        assertTrue(catalog.snapshot().instances().stream().noneMatch(i -> i.node().equals("n9")),
                "a member whose subnet this node does not know vouches for nothing");
    }

    @Test
    void aWatcherThatThrowsStopsNoOther() {
        catalog.watch(s -> {
            throw new IllegalStateException("a watcher with a bug");
        });
        catalog.watch(heard::add);
        catalog.records("n1", Map.of("a", record("web", "100.64.1.5", 8080, Health.PASSING)));
        assertEquals(2, heard.size());
    }

    @Test
    void httpRoutesTravelInTheRecordAndMalformedOnesRefuseIt() {
        catalog.joined(N2);
        List<HttpRoute> routes = List.of(new HttpRoute("api.example.com", "/v1"), new HttpRoute(null, "/"));
        byte[] routed = InstanceRecord.encode(new ServiceInstance("api", "n2:api-1:8080", ip("100.64.2.4"), 8080, "tcp",
                "n2", List.of(), Health.PASSING, Instant.ofEpochMilli(1_000), routes));
        catalog.records("n2", Map.of("a", routed,
                "b", record("web", "100.64.2.5", 80, Health.PASSING),
                "c", "{\"service\":\"x\",\"id\":\"x\",\"address\":\"100.64.2.6\",\"port\":80,\"protocol\":\"tcp\",\"health\":\"passing\",\"http\":[{\"host\":\"a.example.com\",\"path\":\"v1\"}]}"
                        .getBytes(StandardCharsets.UTF_8)));
        Map<String, List<ServiceInstance>> services = catalog.snapshot().byService();
        assertEquals(routes, services.get("api").getFirst().http(), "decoded as they were sent, any host as null");
        assertEquals(List.of(), services.get("web").getFirst().http(), "no routes: not routed to");
        assertEquals(null, services.get("x"), "a route without a path beginning with / refuses the record");
        assertEquals(Map.of("malformed record", 1L), catalog.refused());
    }
}
