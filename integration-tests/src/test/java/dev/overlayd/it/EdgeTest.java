package dev.overlayd.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.overlayd.testing.Commands;
import dev.overlayd.testing.EtcdPki;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * Request routing with real clients and servers: three nodes, each with the edge proxy on its
 * underlay address; a dockerd on the first two running a copy of "api" each (busybox httpd,
 * labelled {@code overlayd.http.host=api.example.com}, {@code overlayd.http.port=8080}), whose
 * index says which copy it is and whose CGI script echoes the forwarding headers it got; HAProxy in
 * a namespace of its own as the TCP load balancer in front of nodes 1 and 2 (roundrobin,
 * {@code send-proxy-v2}), the only trusted source; and curl and openssl as the client, from a
 * namespace of their own, so its address is neither the balancer's nor a node's.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class EdgeTest {
    private static final String API = "api.example.com";
    private static final String OTHER = "other.example.com";
    /** The hosts (namespaces on the cluster's switch) of the balancer and of the client. */
    private static final int BALANCER = 10;
    private static final int CLIENT = 20;
    private static final Set<String> COPIES = Set.of("h1:api-1:8080", "h2:api-2:8080");
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path dir;
    private Cluster cluster;
    private DiscoveryHosts hosts;
    private EtcdPki web;
    private Process balancer;

    @BeforeAll
    void startNodesCopiesAndBalancer() throws Exception {
        cluster = new Cluster(dir);
        List<Path> yaml = List.of(cluster.addHost(1, "3s"), cluster.addHost(2, "3s", 1), cluster.addHost(3, "3s", 1));
        cluster.addNamespace(BALANCER);
        cluster.addNamespace(CLIENT);
        web = new EtcdPki(dir.resolve("web-pki"), "web-ca");
        EtcdPki.Issued api = web.site(API);
        EtcdPki.Issued other = web.site(OTHER);
        hosts = DiscoveryHosts.start(cluster, yaml, 2, n -> edgeSection(n, api, other));
        for (int n = 1; n <= 2; n++) {
            runCopy(n);
        }
        balancer = startBalancer();
    }

    @AfterAll
    void removeEverything() throws Exception {
        try {
            if (balancer != null) {
                balancer.destroy();
                balancer.waitFor(10, TimeUnit.SECONDS);
            }
        } finally {
            if (hosts != null) {
                hosts.close();
            } else if (cluster != null) {
                cluster.close();
            }
        }
    }

    /** Node {@code n}'s edge: HTTPS on its underlay address, a certificate for each site, HAProxy alone trusted. */
    private String edgeSection(int n, EtcdPki.Issued api, EtcdPki.Issued other) {
        return "edge:\n"
                + "  https:\n"
                + "    listen: " + Cluster.underlay(n) + ":443\n"
                + "    certificates:\n"
                + "      - {cert: " + api.certificate() + ", key: " + api.key() + "}\n"
                + "      - {cert: " + other.certificate() + ", key: " + other.key() + "}\n"
                + "  proxy_protocol:\n"
                + "    trusted: [" + Cluster.underlay(BALANCER) + "/32]\n"
                + "    timeout: 2s\n"
                + "  timeouts:\n"
                + "    request_headers: 2s\n"
                + "  access_log:\n"
                + "    path: " + accessLog(n) + "\n";
    }

    private Path accessLog(int n) {
        return dir.resolve(cluster.iface(n)).resolve("access.log");
    }

    /** Copy n of api on host n: its index names it, its CGI script echoes what the proxy told it. */
    private void runCopy(int n) throws Exception {
        Path www = Files.createDirectories(dir.resolve("www-" + n).resolve("cgi-bin")).getParent();
        Files.writeString(www.resolve("index.html"), "api-" + n + "\n");
        Path cgi = www.resolve("cgi-bin/headers");
        Files.writeString(cgi, "#!/bin/sh\nprintf 'Content-Type: text/plain\\r\\n\\r\\n'\n"
                + "echo \"for=$HTTP_X_FORWARDED_FOR proto=$HTTP_X_FORWARDED_PROTO id=$HTTP_X_REQUEST_ID copy=api-" + n + "\"\n");
        Files.setPosixFilePermissions(cgi, PosixFilePermissions.fromString("rwxr-xr-x"));
        hosts.docker(n).docker("run", "-d", "--init", "--name", "api-" + n, "--label", "SERVICE_NAME=api",
                "--label", "overlayd.http.host=" + API, "--label", "overlayd.http.port=8080", "--expose", "8080",
                "-v", www + ":/www:ro", dev.overlayd.testing.DockerHost.IMAGE, "httpd", "-f", "-p", "8080", "-h", "/www");
    }

    /** HAProxy as a cloud TCP balancer: TLS passed through, a PROXY v2 header before it, nodes 1 and 2 in turn. */
    private Process startBalancer() throws Exception {
        Path config = Files.writeString(dir.resolve("haproxy.cfg"), "defaults\n"
                + "  mode tcp\n"
                + "  timeout connect 2s\n"
                + "  timeout client 60s\n"
                + "  timeout server 60s\n"
                + "frontend https\n"
                + "  bind " + Cluster.underlay(BALANCER) + ":443\n"
                + "  default_backend nodes\n"
                + "backend nodes\n"
                + "  balance roundrobin\n"
                + "  server n1 " + Cluster.underlay(1) + ":443 send-proxy-v2\n"
                + "  server n2 " + Cluster.underlay(2) + ":443 send-proxy-v2\n");
        Process p = new ProcessBuilder("ip", "netns", "exec", cluster.iface(BALANCER), "/usr/sbin/haproxy", "-f",
                config.toString(), "-db").redirectErrorStream(true)
                .redirectOutput(dir.resolve("haproxy.log").toFile()).start();
        Await.until("HAProxy to listen", DiscoveryHosts.CONVERGE, () -> Sh.run(List.of("ip", "netns", "exec",
                cluster.iface(CLIENT), "bash", "-c", "exec 3<>/dev/tcp/" + Cluster.underlay(BALANCER) + "/443"), 10).status() == 0,
                () -> p.isAlive() ? "" : "HAProxy exited: " + read(dir.resolve("haproxy.log")));
        return p;
    }

    @Test
    @Order(1)
    void bothCopiesAreRegisteredAndListedUnderTheirLabelsRuleOnEveryNode() throws Exception {
        JsonNode services = hosts.services(3, "api");
        Set<String> ids = new TreeSet<>();
        services.get(0).path("services").get(0).path("instances").forEach(i -> ids.add(i.path("id").asText()));
        assertEquals(COPIES, ids, services.toPrettyString());
        for (int n = 1; n <= 3; n++) {
            awaitRule(n, COPIES);
        }
    }

    @Test
    @Order(2)
    void requestsThroughTheBalancerAreSpreadOverBothCopiesAndAuditedWithTheClientsOwnAddress() throws Exception {
        Set<String> bodies = new TreeSet<>();
        for (int i = 0; i < 30; i++) {
            bodies.add(ok(viaBalancer(API, "/")).strip());
        }
        assertEquals(Set.of("api-1", "api-2"), bodies, "answered by the copies on both nodes");

        List<JsonNode> lines = new ArrayList<>();
        Await.until("the 30 requests in the nodes' access logs", DiscoveryHosts.CONVERGE, () -> {
            lines.clear();
            for (int n = 1; n <= 2; n++) {
                lines.addAll(accessLines(n).stream().filter(l -> l.path("path").asText().equals("/")).toList());
            }
            return lines.size() >= 30;
        }, () -> read(accessLog(1)) + read(accessLog(2)));
        Set<String> instances = new TreeSet<>();
        for (JsonNode line : lines) {
            assertEquals(Cluster.underlay(CLIENT), line.path("client").asText(), "the client's own address, not the balancer's: " + line);
            assertTrue(line.path("client_port").asInt() > 0, line.toString());
            assertTrue(line.path("balancer").asText().startsWith(Cluster.underlay(BALANCER) + ":"), line.toString());
            assertTrue(line.path("time").asText().matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z"),
                    "UTC with milliseconds: " + line);
            assertEquals("TLSv1.3", line.path("tls").asText(), line.toString());
            assertEquals(API, line.path("sni").asText(), line.toString());
            assertEquals("GET", line.path("method").asText(), line.toString());
            assertEquals(API, line.path("host").asText(), line.toString());
            assertEquals(200, line.path("status").asInt(), line.toString());
            assertEquals("api", line.path("service").asText(), line.toString());
            String instance = line.path("instance").asText();
            assertTrue(COPIES.contains(instance), line.toString());
            assertEquals(instance.substring(0, 2), line.path("node").asText(), "the copy's node: " + line);
            assertFalse(line.path("request_id").asText().isEmpty(), line.toString());
            instances.add(instance);
        }
        assertEquals(COPIES, instances, "the log names both copies");
        assertFalse(accessLines(1).isEmpty() || accessLines(2).isEmpty(), "the balancer sent requests to both nodes");
    }

    @Test
    @Order(3)
    void theApplicationLearnsTheClientFromThePROXYHeaderNeverFromTheClientsOwnHeader() throws Exception {
        String answer = ok(viaBalancer(API, "/cgi-bin/headers", "-H", "X-Forwarded-For: 203.0.113.9")).strip();
        assertTrue(answer.startsWith("for=" + Cluster.underlay(CLIENT) + " proto=https id="), answer);
        String requestId = answer.substring(answer.indexOf(" id=") + 4, answer.indexOf(" copy="));
        assertFalse(requestId.isEmpty(), answer);
        Await.until("the request " + requestId + " in an access log", DiscoveryHosts.CONVERGE, () -> {
            for (int n = 1; n <= 2; n++) {
                for (JsonNode line : accessLines(n)) {
                    if (line.path("request_id").asText().equals(requestId)) {
                        return line.path("client").asText().equals(Cluster.underlay(CLIENT))
                                && line.path("path").asText().equals("/cgi-bin/headers");
                    }
                }
            }
            return false;
        }, () -> read(accessLog(1)) + read(accessLog(2)));
    }

    @Test
    @Order(4)
    void aNodeWithoutCopiesServesThemFromTheOthersAndTakesPROXYv1() throws Exception {
        // curl's own PROXY v1 header, from the balancer's address: trusted, and it names itself as the client.
        Set<String> bodies = new TreeSet<>();
        for (int i = 0; i < 20; i++) {
            bodies.add(ok(curl(BALANCER, "--haproxy-protocol", "--resolve", API + ":443:" + Cluster.underlay(3),
                    "https://" + API + "/")).strip());
        }
        assertEquals(Set.of("api-1", "api-2"), bodies);
        Await.until("node 3's access log", DiscoveryHosts.CONVERGE, () -> accessLines(3).size() >= 20,
                () -> read(accessLog(3)));
        assertEquals(Set.of(Cluster.underlay(BALANCER)), new TreeSet<>(accessLines(3).stream()
                .map(l -> l.path("client").asText()).toList()));
    }

    @Test
    @Order(5)
    void sniPicksTheCertificateAndAHostWithoutARouteIsNotFound() throws Exception {
        for (String site : List.of(API, OTHER)) {
            String shown = Sh.ok("ip", "netns", "exec", cluster.iface(CLIENT), "sh", "-c",
                    "openssl s_client -connect \"$0\" -servername \"$1\" -CAfile \"$2\" -verify_return_error </dev/null",
                    Cluster.underlay(BALANCER) + ":443", site, web.ca().toString());
            assertTrue(shown.contains("subject=CN = " + site), shown);
            assertTrue(shown.contains("Verify return code: 0 (ok)"), shown);
        }
        Sh.Run other = viaBalancer(OTHER, "/", "-o", "/dev/null", "-w", "%{http_code}");
        assertEquals("404", other.output().strip(), "TLS verified for other.example.com, which no copy serves: " + other);
    }

    @Test
    @Order(6)
    void anUntrustedSourceIsRefusedWithOrWithoutAPROXYHeader() throws Exception {
        for (List<String> extra : List.of(List.of("--haproxy-protocol"), List.<String>of())) {
            List<String> args = new ArrayList<>(extra);
            args.addAll(List.of("--resolve", API + ":443:" + Cluster.underlay(1), "https://" + API + "/"));
            Sh.Run direct = curl(CLIENT, args.toArray(String[]::new));
            assertNotEquals(0, direct.status(), "the client straight to node 1: " + direct.output());
            assertFalse(direct.output().contains("api-"), direct.output());
        }
        Await.until("node 1 to say it closed the client's connection", DiscoveryHosts.CONVERGE,
                () -> cluster.logText(1).lines().anyMatch(l -> l.contains("from " + Cluster.underlay(CLIENT) + ":")
                        && l.contains("trusted")), () -> cluster.logText(1));
        assertTrue(accessLines(1).stream().noneMatch(l -> l.path("balancer").asText().startsWith(Cluster.underlay(CLIENT) + ":")),
                "no request of the untrusted source was served");
        assertEquals("200", viaBalancer(API, "/", "-o", "/dev/null", "-w", "%{http_code}").output().strip(),
                "the balancer's requests are still served");
    }

    @Test
    @Order(7)
    void slowClientsAreCutOffInThePROXYHeaderAndInTheRequestsHeaders() throws Exception {
        // From the balancer's address, the PROXY header a byte a second: closed after proxy_protocol.timeout.
        Sh.Run header = Sh.run(List.of("ip", "netns", "exec", cluster.iface(BALANCER), "bash", "-c", """
                trap '' PIPE
                exec 3<>/dev/tcp/$0/443 || exit 2
                h="PROXY TCP4 $1 $0 56324 443"
                for ((i = 0; i < ${#h}; i++)); do
                  printf %s "${h:i:1}" >&3 2>/dev/null || { echo cut off; exit 0; }
                  read -t 1 -n 1 -u 3 x; [ $? -eq 1 ] && { echo cut off; exit 0; }
                done
                echo not cut off; exit 3
                """, Cluster.underlay(1), Cluster.underlay(CLIENT)), 120);
        assertEquals(0, header.status(), header.output());

        // Through the balancer, TLS up, then a request's headers a line a second: closed after
        // timeouts.request_headers (the 30 s bound is far below the idle timeout's 60).
        Sh.Run request = Sh.run(List.of("ip", "netns", "exec", cluster.iface(CLIENT), "bash", "-c", """
                slow() { printf 'GET / HTTP/1.1\\r\\nHost: %s\\r\\n' "$1"; for i in $(seq 1 40); do sleep 1; printf 'X-Slow: %d\\r\\n' $i; done; }
                slow "$1" | timeout 30 openssl s_client -quiet -connect "$0:443" -servername "$1" -CAfile "$2"
                echo "s_client exited ${PIPESTATUS[1]}"
                """, Cluster.underlay(BALANCER), API, web.ca().toString()), 120);
        assertFalse(request.output().contains("s_client exited 124"), "cut off before 30 s: " + request.output());
        assertFalse(request.output().contains("200 OK"), request.output());
    }

    @Test
    @Order(8)
    void aCopyStoppedUnderLoadFailsNoRequest() throws Exception {
        Path codes = dir.resolve("codes");
        Path stop = dir.resolve("stop");
        Files.writeString(codes, "");
        // One TLS connection per request, so the balancer sends them to both nodes in turn.
        Process load = new ProcessBuilder("ip", "netns", "exec", cluster.iface(CLIENT), "bash", "-c", """
                while [ ! -e "$0" ]; do
                  out=$(curl -sS -o /dev/null -w '%{http_code}' --max-time 20 --cacert "$2" --resolve "$3:443:$4" "https://$3/" 2>&1)
                  echo "$out $?" >> "$1"
                done
                """, stop.toString(), codes.toString(), web.ca().toString(), API, Cluster.underlay(BALANCER))
                .redirectErrorStream(true).redirectOutput(dir.resolve("load.log").toFile()).start();
        try {
            awaitLines(codes, 20);
            hosts.docker(2).docker("stop", "api-2");
            for (int n = 1; n <= 3; n++) {
                awaitRule(n, Set.of("h1:api-1:8080"));
            }
            awaitLines(codes, Files.readAllLines(codes).size() + 30);
        } finally {
            Files.writeString(stop, "");
            if (!load.waitFor(60, TimeUnit.SECONDS)) {
                Commands.kill(load);
            }
        }
        List<String> failed = Files.readAllLines(codes).stream().filter(l -> !l.equals("200 0")).toList();
        assertEquals(List.of(), failed, "of " + Files.readAllLines(codes).size() + " requests");
    }

    /** curl in namespace host {@code from}, trusting the web CA; whatever its exit status. */
    private Sh.Run curl(int from, String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of("ip", "netns", "exec", cluster.iface(from), "curl", "-sS",
                "--max-time", "20", "--cacert", web.ca().toString()));
        command.addAll(List.of(args));
        return Sh.run(command, 60);
    }

    /** A request from the client through the balancer for https://SITE/PATH. */
    private Sh.Run viaBalancer(String site, String path, String... args) throws Exception {
        List<String> all = new ArrayList<>(List.of("--resolve", site + ":443:" + Cluster.underlay(BALANCER)));
        all.addAll(List.of(args));
        all.add("https://" + site + path);
        return curl(CLIENT, all.toArray(String[]::new));
    }

    private static String ok(Sh.Run run) {
        assertEquals(0, run.status(), run.output());
        return run.output();
    }

    /** Node {@code n}'s access log, line by line (JSON); none before it exists. */
    private List<JsonNode> accessLines(int n) throws IOException {
        if (!Files.exists(accessLog(n))) {
            return List.of();
        }
        List<JsonNode> lines = new ArrayList<>();
        for (String line : Files.readAllLines(accessLog(n))) {
            if (!line.isBlank()) {
                lines.add(JSON.readTree(line));
            }
        }
        return lines;
    }

    /** Waits until node {@code n}'s `overlayctl routes --json` has api.example.com's rule with exactly {@code copies}. */
    private void awaitRule(int n, Set<String> copies) throws Exception {
        String[] last = {""};
        Await.until("h" + n + " to route " + API + " to " + copies, DiscoveryHosts.CONVERGE, () -> {
            last[0] = Cluster.overlayctl("routes", "-i", cluster.iface(n), "--json");
            for (JsonNode route : JSON.readTree(last[0]).get(0).path("routes")) {
                if (route.path("host").asText().equals(API) && route.path("path").asText().equals("/")
                        && route.path("service").asText().equals("api")) {
                    Set<String> ids = new TreeSet<>();
                    route.path("copies").forEach(c -> ids.add(c.path("id").asText()));
                    return ids.equals(copies);
                }
            }
            return false;
        }, () -> last[0] + "\n" + cluster.logText(n));
    }

    private static void awaitLines(Path file, int count) throws Exception {
        Await.until(count + " requests made", DiscoveryHosts.CONVERGE, () -> Files.readAllLines(file).size() >= count,
                () -> read(file));
    }

    private static String read(Path file) {
        try {
            return Files.exists(file) ? Files.readString(file) : "(no " + file + ")";
        } catch (IOException e) {
            return "(unreadable " + file + ": " + e.getMessage() + ")";
        }
    }
}
