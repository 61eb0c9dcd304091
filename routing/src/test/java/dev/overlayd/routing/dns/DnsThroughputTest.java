package dev.overlayd.routing.dns;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;

import dev.overlayd.routing.discovery.CatalogSnapshot;
import dev.overlayd.routing.discovery.Health;
import dev.overlayd.routing.discovery.ServiceInstance;
import io.netty.handler.codec.dns.DnsRecordType;
import io.netty.handler.codec.dns.DnsResponse;
import io.netty.handler.codec.dns.DnsSection;
import java.lang.management.ManagementFactory;
import java.lang.management.ThreadInfo;
import java.lang.management.ThreadMXBean;
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

    /** CPU time of the server's event loop thread, which the load of other processes does not inflate much. */
    private static long serverCpuNanos() {
        ThreadMXBean threads = ManagementFactory.getThreadMXBean();
        long total = 0;
        for (ThreadInfo thread : threads.getThreadInfo(threads.getAllThreadIds())) {
            if (thread != null && thread.getThreadName().startsWith("dns-")) {
                total += threads.getThreadCpuTime(thread.getThreadId());
            }
        }
        return total;
    }

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
            long cpu = serverCpuNanos();
            long start = System.nanoTime();
            for (int i = 0; i < QUERIES; i++) {
                assertNotNull(client.udp(query));
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            double cpuMicros = (serverCpuNanos() - cpu) / 1e3 / QUERIES;
            DnsResponse last = DnsTestClient.decode(client.udp(query));
            assertEquals(20, DnsTestClient.addresses(last, DnsSection.ANSWER).size());
            last.release();
            System.out.printf("DNS throughput: %d A queries for a 20-instance service over UDP, one client thread: "
                    + "%.0f answered/s (%.1f us each, %.1f us of the server thread's CPU)%n", QUERIES, QUERIES / seconds,
                    seconds * 1e6 / QUERIES, cpuMicros);
            assertEquals(WARMUP + QUERIES + 1, server.counters().answered());
        }
    }
}
