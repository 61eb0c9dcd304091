package dev.overlayd.node.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.security.SecureRandom;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import dev.overlayd.node.NoBind;
import dev.overlayd.noise.Clock;
import dev.overlayd.noise.PrivateKey;
import dev.overlayd.noise.PublicKey;
import dev.overlayd.peers.Device;
import dev.overlayd.peers.IpPrefix;
import dev.overlayd.peers.Timing;
import dev.overlayd.tun.MemoryTun;
import io.micrometer.core.instrument.Counter;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The node's meters on a device over an in-memory TUN, read as Prometheus reads them. */
class NodeMetricsTest {
    private final SecureRandom random = new SecureRandom();
    private MemoryTun tun;
    private Device device;
    private NodeMetrics metrics;

    @BeforeEach
    void setUp() throws Exception {
        tun = new MemoryTun("ovm0");
        device = new Device(tun, new NoBind(), Clock.SYSTEM, Timing.PROTOCOL);
        device.setPrivateKey(PrivateKey.generate(random));
        metrics = new NodeMetrics(device, Clock.SYSTEM);
    }

    @AfterEach
    void tearDown() {
        device.close();
    }

    private String scrape() throws Exception {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        metrics.scrape(out, MetricsServer.CONTENT_TYPE);
        return out.toString(StandardCharsets.UTF_8);
    }

    private static double value(String scrape, String series) {
        Matcher m = Pattern.compile("(?m)^" + Pattern.quote(series) + " (\\S+)$").matcher(scrape);
        assertTrue(m.find(), "no " + series + " in\n" + scrape);
        return m.group(1).equals("+Inf") ? Double.POSITIVE_INFINITY : Double.parseDouble(m.group(1));
    }

    @Test
    void eachPeerHasItsBytesAndHandshakeAgeUnderItsKeyUntilItGoes() throws Exception {
        PublicKey key = PrivateKey.generate(random).publicKey();
        device.addPeer(key);
        String scrape = scrape();
        String peer = "{peer=\"" + key.toBase64() + "\"}";
        assertEquals(0, value(scrape, "overlayd_peer_receive_bytes_total" + peer));
        assertEquals(0, value(scrape, "overlayd_peer_transmit_bytes_total" + peer));
        assertEquals(Double.POSITIVE_INFINITY, value(scrape, "overlayd_peer_last_handshake_age_seconds" + peer), "never");
        assertEquals(1, value(scrape, "overlayd_peers"));

        device.removePeer(key);
        scrape = scrape();
        assertFalse(scrape.contains(key.toBase64()), scrape);
        assertEquals(0, value(scrape, "overlayd_peers"));
    }

    @Test
    void theDevicesDropsAreCountedByReasonZerosIncluded() throws Exception {
        device.up();
        tun.inject(ipv4("100.64.0.1", "100.64.0.99"));
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (value(scrape(), "overlayd_drops_total{layer=\"device\",reason=\"no_route\"}") < 1) {
            assertTrue(System.nanoTime() < deadline, "the drop was not counted");
            Thread.sleep(10);
        }
        assertEquals(0, value(scrape(), "overlayd_drops_total{layer=\"device\",reason=\"decryption_failed\"}"));
    }

    @Test
    void inClusterModePeersAreNamedAndMembersAndTheBackendsDropsAreCountedAsReasonsAppear() throws Exception {
        PublicKey named = PrivateKey.generate(random).publicKey();
        PublicKey stranger = PrivateKey.generate(random).publicKey();
        device.addPeer(named);
        device.addPeer(stranger);
        device.addAllowedIp(device.peer(named), IpPrefix.parse("100.64.1.0/24"));
        Map<String, Long> drops = new ConcurrentHashMap<>(Map.of("bad-signature", 2L));
        metrics.cluster(key -> key.equals(named) ? "h2" : null,
                () -> Map.of("self", 1L, "peer", 1L, "waiting", 0L, "refused", 3L), () -> Map.copyOf(drops));

        String scrape = scrape();
        assertEquals(0, value(scrape, "overlayd_peer_transmit_bytes_total{peer=\"h2\"}"));
        assertEquals(0, value(scrape, "overlayd_peer_transmit_bytes_total{peer=\"" + stranger.toBase64() + "\"}"),
                "a key no member holds keeps its key");
        for (Map.Entry<String, Long> state : Map.of("self", 1L, "peer", 1L, "waiting", 0L, "refused", 3L).entrySet()) {
            assertEquals((double) state.getValue(), value(scrape, "overlayd_members{state=\"" + state.getKey() + "\"}"), state.getKey());
        }
        assertEquals(2, value(scrape, "overlayd_drops_total{layer=\"membership\",reason=\"bad-signature\"}"));
        assertTrue(scrape.contains("# HELP overlayd_drops_total What was dropped"), "one HELP for both layers:\n" + scrape);

        // etcd's reasons appear with their first drop.
        drops.put("record-replayed", 1L);
        drops.put("bad-signature", 5L);
        scrape = scrape();
        assertEquals(1, value(scrape, "overlayd_drops_total{layer=\"membership\",reason=\"record-replayed\"}"));
        assertEquals(5, value(scrape, "overlayd_drops_total{layer=\"membership\",reason=\"bad-signature\"}"));
    }

    @Test
    void nodeCodeRegistersItsOwnMetersOnTheRegistry() throws Exception {
        // As the enrolment is to count its outcomes.
        Counter.builder("overlayd.enrolments").tag("result", "accepted").register(metrics.registry()).increment();
        assertEquals(1, value(scrape(), "overlayd_enrolments_total{result=\"accepted\"}"));
    }

    /** A minimal IPv4 packet: a 20-byte header with a valid length, then 8 bytes. */
    private static byte[] ipv4(String source, String destination) throws Exception {
        byte[] p = new byte[28];
        p[0] = 0x45;
        p[3] = (byte) p.length;
        p[8] = 64;
        p[9] = (byte) 253;
        System.arraycopy(InetAddress.getByName(source).getAddress(), 0, p, 12, 4);
        System.arraycopy(InetAddress.getByName(destination).getAddress(), 0, p, 16, 4);
        return p;
    }
}
