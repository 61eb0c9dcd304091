package dev.overlayd.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * GET /metrics of real daemons, scraped with curl inside their namespaces and read by the
 * Prometheus client library's own parser (Python's prometheus_client, Debian's
 * python3-prometheus-client), so that the whole text is what Prometheus reads: two cluster members
 * with traffic between them, and overlayd in wg-quick mode with OVERLAYD_METRICS.
 */
class MetricsTest {
    private static final Duration CONVERGE = Duration.ofSeconds(30);
    private static final String LISTEN = "127.0.0.1:9586";
    private static final ObjectMapper JSON = new ObjectMapper();
    /**
     * Every sample of the text as one JSON line (family, type, help, sample name, labels, value as text);
     * a parse error is the script's failure. Values are text: JSON has no +Inf.
     */
    private static final String PARSE = """
            import json, sys
            from prometheus_client.parser import text_string_to_metric_families
            for family in text_string_to_metric_families(open(sys.argv[1]).read()):
                for s in family.samples:
                    print(json.dumps({"family": family.name, "type": family.type, "help": family.documentation, "name": s.name,
                                      "labels": s.labels, "value": repr(float(s.value))}))
            """;

    @TempDir
    Path dir;

    private record Sample(String family, String type, String help, String name, Map<String, String> labels, double value) {}

    /** The node's /metrics, fetched in namespace {@code netns}, every sample as Prometheus' parser reads it. */
    private List<Sample> scrape(String netns, Path file) throws Exception {
        Sh.ok("ip", "netns", "exec", netns, "curl", "-sSf", "-o", file.toString(), "http://" + LISTEN + "/metrics");
        Sh.Outcome parsed = Sh.runSeparately(List.of("/usr/bin/python3", "-c", PARSE, file.toString()), 30);
        assertEquals(0, parsed.status(), () -> "prometheus_client could not parse the scrape: " + parsed.stderr()
                + "\n" + readOrEmpty(file));
        List<Sample> samples = new ArrayList<>();
        for (String line : parsed.stdout().strip().split("\n")) {
            JsonNode s = JSON.readTree(line);
            Map<String, String> labels = JSON.convertValue(s.get("labels"),
                    JSON.getTypeFactory().constructMapType(Map.class, String.class, String.class));
            String v = s.get("value").asText();
            samples.add(new Sample(s.get("family").asText(), s.get("type").asText(), s.get("help").asText(), s.get("name").asText(), labels,
                    v.equals("inf") ? Double.POSITIVE_INFINITY : Double.parseDouble(v)));
        }
        return samples;
    }

    private static double value(List<Sample> samples, String name, Map<String, String> labels) {
        return samples.stream().filter(s -> s.name().equals(name) && s.labels().equals(labels)).findFirst()
                .orElseThrow(() -> new AssertionError("no " + name + labels + " among " + samples.size() + " samples"))
                .value();
    }

    private static String readOrEmpty(Path file) {
        try {
            return Files.readString(file);
        } catch (java.io.IOException e) {
            return "";
        }
    }

    @Test
    void twoClusterMembersServeTheirPeersMembersAndDropsToPrometheus() throws Exception {
        try (Cluster cluster = new Cluster(dir)) {
            Path h1 = cluster.addHost(1, "10s");
            Files.writeString(h1, Files.readString(h1) + "metrics: {listen: " + LISTEN + "}\n");
            // h2 serves its underlay address: allowed, and warned about.
            String h2Listen = Cluster.underlay(2) + ":9586";
            Path h2 = cluster.addHost(2, "10s", 1);
            Files.writeString(h2, Files.readString(h2) + "metrics: {listen: '" + h2Listen + "'}\n");
            cluster.start(1);
            cluster.start(2);
            for (int n = 1; n <= 2; n++) {
                int node = n;
                Await.until("h" + n + " to have its peer", CONVERGE, () -> cluster.peers(node).size() == 1,
                        () -> cluster.logText(node));
            }
            cluster.exec(1, "ping", "-c", "3", "-i", "0.3", "-W", "5", cluster.overlay(2));

            List<Sample> samples = scrape(cluster.iface(1), dir.resolve("h1.prom"));
            assertTrue(value(samples, "overlayd_peer_transmit_bytes_total", Map.of("peer", "h2")) > 0,
                    "the pings went to h2, which is named by its certificate");
            assertTrue(value(samples, "overlayd_peer_receive_bytes_total", Map.of("peer", "h2")) > 0, "and came back");
            // Three pings and their replies, beside the handshake's messages.
            assertTrue(value(samples, "overlayd_peer_transmit_packets_total", Map.of("peer", "h2")) >= 3, "three pings out");
            assertTrue(value(samples, "overlayd_peer_receive_packets_total", Map.of("peer", "h2")) >= 3, "three replies");
            double age = value(samples, "overlayd_peer_last_handshake_age_seconds", Map.of("peer", "h2"));
            assertTrue(age >= 0 && age < 60, "a handshake a moment ago: " + age);
            assertEquals(1, value(samples, "overlayd_members", Map.of("state", "self")));
            assertEquals(1, value(samples, "overlayd_members", Map.of("state", "peer")));
            assertEquals(0, value(samples, "overlayd_members", Map.of("state", "refused")));
            assertEquals(1, value(samples, "overlayd_peers", Map.of()));
            assertEquals(List.of(), samples.stream().filter(s -> s.help().isBlank()).map(Sample::family).distinct().toList(),
                    "every family says what it is");
            assertEquals("counter", samples.stream().filter(s -> s.name().equals("overlayd_drops_total")).findFirst()
                    .orElseThrow().type());
            // Every reason of both layers is there, zeros included, so that a rate() has a series from the start.
            assertEquals(0, value(samples, "overlayd_drops_total", Map.of("layer", "device", "reason", "decryption_failed")));
            assertEquals(0, value(samples, "overlayd_drops_total", Map.of("layer", "membership", "reason", "bad-signature")));

            Sh.Run other = Sh.run(List.of("ip", "netns", "exec", cluster.iface(1), "curl", "-s", "-o", "/dev/null",
                    "-w", "%{http_code}", "http://" + LISTEN + "/"), 10);
            assertEquals("404", other.output().strip());
            assertTrue(cluster.logText(1).contains("metrics: serving GET /metrics on /" + LISTEN), cluster.logText(1));
            assertFalse(cluster.logText(1).contains("not a loopback address"), "the loopback is not warned about");
            assertEquals(1, cluster.logText(2).lines().filter(l -> l.contains("not a loopback address")).count(),
                    () -> "another address is warned about, once:\n" + cluster.logText(2));
            // Scraped from h1 over the underlay: h2's meters, where h1 is the peer.
            String fromH1 = cluster.exec(1, "curl", "-sSf", "http://" + h2Listen + "/metrics");
            assertTrue(fromH1.contains("overlayd_peer_transmit_bytes_total{peer=\"h1\"}"), fromH1);
        }
    }

    @Test
    void aBadOverlaydMetricsIsOneLineAndExitStatusOne() throws Exception {
        try (TwoHosts hosts = new TwoHosts()) {
            Sh.Run r = Sh.run(hosts.a.inside("env", "OVERLAYD_METRICS=localhost:9586", Host.OVERLAYD.toString(), "-f",
                    hosts.a.iface), 60);
            assertEquals(1, r.status(), r.output());
            assertEquals("overlayd: OVERLAYD_METRICS: 'localhost:9586' is not an address:port to serve metrics on, such as "
                    + "127.0.0.1:9586 (an IP address, not a host name)", r.output().strip());
        }
    }

    @Test
    void overlaydInWgQuickModeServesMetricsWhereOverlaydMetricsSays() throws Exception {
        try (TwoHosts hosts = new TwoHosts()) {
            hosts.a.startOverlayd("OVERLAYD_METRICS=" + LISTEN);
            hosts.b.startOverlayd();
            hosts.a.peerWith(hosts.b, true);
            hosts.b.peerWith(hosts.a, true);
            hosts.assertPings(hosts.a, hosts.b);

            List<Sample> samples = scrape(hosts.a.netns, hosts.dir().resolve("a.prom"));
            Map<String, String> peer = Map.of("peer", hosts.b.publicKey);
            assertTrue(value(samples, "overlayd_peer_transmit_bytes_total", peer) > 0, "outside a cluster, a peer is its key");
            assertTrue(samples.stream().noneMatch(s -> s.name().equals("overlayd_members")), "no cluster, no members");
        }
    }
}
