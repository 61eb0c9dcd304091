package dev.overlayd.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.overlayd.testing.EtcdPki;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A node's edge with no route at all, for the tests of its audit log under faults: every request
 * is answered 404 by the node itself and written as one line to {@link #log}, so no copy or
 * catalog is needed. The client is curl in namespace {@link #CLIENT} on the cluster's switch,
 * trusted as the balancer, sending its own PROXY v1 header.
 */
final class AuditedEdge {
    static final int CLIENT = 20;
    private static final String SITE = "audit.example.com";
    private static final ObjectMapper JSON = new ObjectMapper();

    private final int node;
    private final Path log;
    private final EtcdPki.Issued certificate;
    /** The client's namespace. */
    private final String client;

    /** Makes the client's namespace on {@code cluster}'s switch and a certificate for the site. */
    AuditedEdge(Cluster cluster, int node, Path log) throws Exception {
        this.node = node;
        this.log = log;
        cluster.addNamespace(CLIENT);
        client = cluster.iface(CLIENT);
        certificate = new EtcdPki(cluster.dir.resolve("edge-pki"), "edge-ca").site(SITE);
    }

    Path log() {
        return log;
    }

    /** The edge section for the node's overlay.yaml. */
    String section() {
        return "edge:\n"
                + "  https:\n"
                + "    listen: " + Cluster.underlay(node) + ":443\n"
                + "    certificates:\n"
                + "      - {cert: " + certificate.certificate() + ", key: " + certificate.key() + "}\n"
                + "  proxy_protocol:\n"
                + "    trusted: [" + Cluster.underlay(CLIENT) + "/32]\n"
                + "  access_log:\n"
                + "    path: " + log + "\n";
    }

    /** One request for {@code path}: the status the node answered with, or 0 when none came within 10 s. */
    int request(String path) throws Exception {
        Sh.Run r = Sh.run(List.of("ip", "netns", "exec", client, "curl", "-sk", "-o", "/dev/null",
                "-w", "%{http_code}", "-m", "10", "--haproxy-protocol", "--resolve", SITE + ":443:" + Cluster.underlay(node),
                "https://" + SITE + path), 30);
        String code = r.output().strip();
        return code.matches("\\d{3}") ? Integer.parseInt(code) : 0;
    }

    /** A shell loop in the client's namespace sending a request every 50 ms, whatever the answers, until destroyed. */
    Process requestLoop(String path) throws IOException {
        String curl = "curl -sk -o /dev/null -m 2 --haproxy-protocol --resolve " + SITE + ":443:" + Cluster.underlay(node)
                + " https://" + SITE + path;
        return new ProcessBuilder("ip", "netns", "exec", client, "sh", "-c",
                "while :; do " + curl + "; sleep 0.05; done").redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
    }

    /**
     * The log's lines, each parsed: fails on a line that is not a whole JSON object (a torn or
     * merged line) and on a file whose last line has no newline.
     */
    List<JsonNode> lines() throws IOException {
        String text = Files.readString(log, StandardCharsets.UTF_8);
        assertTrue(text.isEmpty() || text.endsWith("\n"), "the access log ends inside a line: ..."
                + text.substring(Math.max(0, text.length() - 300)));
        List<JsonNode> lines = new ArrayList<>();
        for (String line : text.lines().toList()) {
            JsonNode parsed;
            try {
                parsed = JSON.readTree(line);
            } catch (IOException e) {
                throw new AssertionError("a torn line in the access log: " + line, e);
            }
            assertTrue(parsed != null && parsed.isObject() && parsed.has("request_id") && parsed.has("status"),
                    "not a whole record: " + line);
            lines.add(parsed);
        }
        return lines;
    }

    /** The lines of requests for {@code path}, each answered 404 (no route). */
    List<JsonNode> linesFor(String path) throws IOException {
        List<JsonNode> found = lines().stream().filter(l -> l.path("path").asText().equals(path)).toList();
        for (JsonNode line : found) {
            assertEquals(404, line.path("status").asInt(), line.toString());
        }
        return found;
    }
}
