package dev.overlayd.routing.dns;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import dev.overlayd.routing.discovery.CatalogSnapshot;
import dev.overlayd.routing.discovery.Health;
import dev.overlayd.routing.discovery.ServiceInstance;
import io.netty.handler.codec.dns.DnsRecordType;
import io.netty.handler.codec.dns.DnsResponse;
import io.netty.handler.codec.dns.DnsSection;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import java.util.stream.IntStream;
import org.junit.jupiter.api.Test;

/**
 * A rough figure, not a benchmark: queries answered per second over UDP for a 20-instance service,
 * one client thread waiting for each answer. Printed, never asserted (the machine is shared).
 */
class DnsThroughputTest {
    private static final int WARMUP = 5_000;
    private static final int QUERIES = 30_000;

    @Test
    void answersATwentyInstanceServiceOverUdp() throws Exception {
        List<ServiceInstance> instances = IntStream.rangeClosed(1, 20)
                .mapToObj(i -> DnsServerTest.instance("web", "100.64.3." + i, 8080, Health.PASSING)).toList();
        CatalogSnapshot catalog = new CatalogSnapshot(instances);
        try (DnsServer server = DnsServer.start(new DnsSettings(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0),
                "overlay", Duration.ofSeconds(5), List.of()), () -> catalog);
             DnsTestClient client = new DnsTestClient(server.address())) {
            // With EDNS0, as 20 uncompressed A records do not fit 512 bytes.
            byte[] query = DnsTestClient.query(1, "web.service.overlay", DnsRecordType.A, 1232);
            for (int i = 0; i < WARMUP; i++) {
                assertNotNull(client.udp(query));
            }
            long start = System.nanoTime();
            for (int i = 0; i < QUERIES; i++) {
                assertNotNull(client.udp(query));
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            DnsResponse last = DnsTestClient.decode(client.udp(query));
            assertEquals(20, DnsTestClient.addresses(last, DnsSection.ANSWER).size());
            last.release();
            System.out.printf("DNS throughput: %d A queries for a 20-instance service over UDP, one client thread: "
                    + "%.0f answered/s (%.1f us each)%n", QUERIES, QUERIES / seconds, seconds * 1e6 / QUERIES);
            assertEquals(WARMUP + QUERIES + 1, server.counters().answered());
        }
    }
}
