package dev.overlayd.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.overlayd.testing.Commands;
import dev.overlayd.testing.DockerHost;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.io.TempDir;

/**
 * The processes around the overlay failing under running containers: two nodes with a dockerd
 * each, as in production (network driver and authorization plugin), node 1 with its edge and
 * audit log. dockerd is killed and started again on a node whose overlayd keeps running; overlayd
 * is killed with SIGKILL and started again as systemd's {@code Restart=on-failure} would (same
 * configuration and state directory, its sockets left where the crash left them). Each time the
 * containers' traffic must come back and the host must be left as it was: no link, route, rule,
 * socket or Docker network more or fewer. The recovery times are printed, never asserted.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class ProcessFaultsTest {
    /** The bound of every recovery: far more than any needs, so that only a hang fails. */
    private static final Duration RECOVERY = Duration.ofSeconds(60);
    private static final ObjectMapper JSON = new ObjectMapper();

    @TempDir
    static Path dir;
    private Cluster cluster;
    private DiscoveryHosts hosts;
    private AuditedEdge edge;

    @BeforeAll
    void startTwoNodesWithDocker() throws Exception {
        cluster = new Cluster(dir);
        List<Path> yaml = List.of(cluster.addHost(1, "10s"), cluster.addHost(2, "10s", 1));
        edge = new AuditedEdge(cluster, 1, dir.resolve(cluster.iface(1)).resolve("access.log"));
        hosts = DiscoveryHosts.start(cluster, yaml, 2, n -> n == 1 ? edge.section() : "");
    }

    @AfterAll
    void removeEverything() throws Exception {
        if (hosts != null) {
            hosts.close();
        } else {
            cluster.close();
        }
    }

    @Test
    @Order(1)
    void afterDockerdIsKilledAndStartedAgainItsContainersAreOnTheOverlayAndOverlaydFollowsItsEvents() throws Exception {
        DockerHost d2 = hosts.docker(2);
        String a = run(1, "dk-a");
        String c = run(2, "dk-c", "--restart", "always");
        ping(1, "dk-a", c);
        List<String> overlayd = cluster.daemons(2);
        Footprint before = footprint(2);
        int logged = cluster.logText(2).length();

        long killed = System.nanoTime();
        d2.killDaemon();
        d2.startDaemon();
        long started = System.nanoTime();
        Await.until("dockerd to start dk-c again", RECOVERY,
                () -> d2.docker("inspect", "-f", "{{.State.Running}}", "dk-c").strip().equals("true"), d2::log);
        assertEquals(c, hosts.overlayAddress(2, "dk-c"), "dk-c keeps its address");
        Await.until("dk-a to reach dk-c again", RECOVERY, () -> reaches(1, "dk-a", c), () -> cluster.logText(2));
        long reached = System.nanoTime();
        System.out.printf("ProcessFaultsTest: dockerd killed: started again in %.1f s; dk-a reached dk-c %.1f s after "
                + "dockerd's start (%.1f s after the kill)%n", (started - killed) / 1e9, (reached - started) / 1e9,
                (reached - killed) / 1e9);

        // A container made after the restart is attached: the agent follows the new dockerd's events.
        run(2, "dk-late");
        ping(2, "dk-late", a);
        assertEquals(overlayd, cluster.daemons(2), "overlayd kept running:\n" + cluster.logText(2));
        String since = cluster.logText(2).substring(logged);
        assertEquals(1, since.lines().filter(l -> l.contains("containers: reconnected to dockerd")).count(), since);
        assertFalse(since.contains("\tat "), "a stack trace:\n" + since);
        Footprint after = footprint(2);
        assertEquals(before.networks(), after.networks(), "Docker's networks");
        assertEquals(before.runFiles(), after.runFiles(), "overlayd's sockets");
        assertEquals(before.nft(), after.nft(), "overlayd's nftables table, once");
        assertEquals(before.iptables(), after.iptables());
        assertEquals(veths(before) + 1, veths(after), "one veth more, dk-late's: dk-c's old one is gone\n" + after.links());
        assertEquals(veths(after), attached(2).size(), "one veth per attached container\n" + after.links());

        for (String name : List.of("dk-c", "dk-late")) {
            d2.docker("rm", "-f", name);
        }
        hosts.docker(1).docker("rm", "-f", "dk-a");
        Await.until("the removed containers' veths to go", RECOVERY, () -> veths(footprint(2)) == 0, () -> cluster.logText(2));
        assertEquals(List.of(), attached(2));
    }

    @Test
    @Order(2)
    void afterOverlaydIsKilledAndRestartedTheContainersTalkAgainAndNothingIsLeftOrDoubled() throws Exception {
        String a = run(1, "pf-a");
        String b = run(2, "pf-b");
        ping(2, "pf-b", a);
        ping(1, "pf-a", b);
        Footprint before = footprint(1);
        assertTrue(before.runFiles().containsAll(List.of("overlayd/" + cluster.iface(1) + ".sock",
                "wireguard/" + cluster.iface(1) + ".sock")), before.runFiles().toString());
        assertTrue(before.pluginSockets().contains("overlayd.sock"), before.pluginSockets().toString());
        try {
            killRestartAndStop(a, b, before);
        } finally {
            // Up again whatever failed: dockerd asks it about every request, its containers' removal too.
            if (!cluster.running(1)) {
                hosts.start(1);
            }
        }
        hosts.awaitPeers(1, 1);
        ping(2, "pf-b", a);
        hosts.docker(1).docker("rm", "-f", "pf-a");
        hosts.docker(2).docker("rm", "-f", "pf-b");
    }

    /** SIGKILL and the restart under traffic, the host compared with {@code before}, then a clean stop. */
    private void killRestartAndStop(String a, String b, Footprint before) throws Exception {
        Process requests = edge.requestLoop("/during");
        try {
            Await.until("requests in the access log", RECOVERY, () -> !edge.linesFor("/during").isEmpty());
            long killed = System.nanoTime();
            cluster.signal(1, "KILL");
            long restarting = System.nanoTime();
            hosts.start(1);
            long started = System.nanoTime();
            // bin/overlayd returns once the new daemon serves, not on the socket the killed one left.
            cluster.exec(1, "wg", "show", cluster.iface(1));
            Await.until("pf-b to reach pf-a again", RECOVERY, () -> reaches(2, "pf-b", a), () -> cluster.logText(1));
            long reached = System.nanoTime();
            Await.until("pf-a to reach pf-b again", RECOVERY, () -> reaches(1, "pf-a", b), () -> cluster.logText(1));
            System.out.printf("ProcessFaultsTest: overlayd killed (SIGKILL) and restarted: bin/overlayd took %.1f s; "
                    + "pf-b reached pf-a %.1f s after the restart began (%.1f s after the kill), pf-a reached pf-b %.1f s after it%n",
                    (started - restarting) / 1e9, (reached - restarting) / 1e9, (reached - killed) / 1e9,
                    (System.nanoTime() - restarting) / 1e9);
            int answered = edge.request("/after-restart");
            assertEquals(404, answered, "the edge answers again\n" + cluster.logText(1));
        } finally {
            Commands.stop(requests, Duration.ofSeconds(10));
        }
        Await.until("the line of the request after the restart", RECOVERY, () -> edge.linesFor("/after-restart").size() == 1);
        assertFalse(edge.linesFor("/during").isEmpty());
        hosts.awaitPeers(1, 1);
        hosts.awaitPeers(2, 1);

        Footprint restarted = footprint(1);
        assertEquals(before, restarted, "the restarted node's host is as the killed one's was");
        assertEquals(a, attachedAddress(1, "pf-a"), "pf-a keeps its address");
        // The driver's socket answers: a new container is connected through it.
        String late = run(1, "pf-late");
        ping(2, "pf-b", late);
        hosts.docker(1).docker("rm", "-f", "pf-late");
        Await.until("pf-late's veth to go", RECOVERY, () -> footprint(1).links().equals(before.links()));

        // A clean stop after the crash: it removes its interface and sockets, and leaves the containers' veths and table.
        cluster.signal(1, "TERM");
        Footprint stopped = footprint(1);
        String log = cluster.logText(1);
        assertEquals(List.of(), stopped.runFiles(), "the stopped node's sockets");
        assertEquals(List.of(), stopped.pluginSockets(), "the stopped node's plugin socket");
        assertEquals(without(before.links(), cluster.iface(1)), stopped.links(), "only the overlay interface went");
        assertEquals(before.routes().stream().filter(r -> !r.matches(".*\\bdev " + cluster.iface(1) + "\\b.*")).toList(),
                stopped.routes(), "only the overlay interface's routes went");
        // The ports offered to containers go with the plugins that served them (DNS); the rest stays for the containers.
        assertEquals(before.nft().replaceAll("\t\telements = \\{[^}]*\\}\n", ""), stopped.nft(),
                "the table stays for the containers");
        assertFalse(log.contains("\tat "), "a stack trace:\n" + log);
        edge.lines();
    }

    /**
     * What a node has on its host that a fault could leave behind or double: the links and routes
     * of its namespace, its nftables and iptables rules (without counters), its files under /run,
     * the plugin sockets its dockerd sees, Docker's networks and the names in its state directory.
     */
    private record Footprint(List<String> links, List<String> routes, String nft, String iptables, List<String> runFiles,
            List<String> pluginSockets, List<String> networks, List<String> state) {}

    private Footprint footprint(int n) throws Exception {
        String ns = cluster.iface(n);
        List<String> links = cluster.exec(n, "ip", "-o", "link", "show").lines()
                .map(l -> l.split(":\\s+")[1].split("@")[0]).sorted().toList();
        // Not the kernel's own routes to links' IPv6 link-local addresses: a new link gets another, and
        // a container's veth gets its own a moment after the veth, whatever overlayd does.
        List<String> routes = Stream.concat(cluster.exec(n, "ip", "-4", "route", "show", "table", "all").lines(),
                cluster.exec(n, "ip", "-6", "route", "show", "table", "all").lines())
                .filter(r -> !r.startsWith("local fe80::")).sorted().toList();
        String nft = cluster.exec(n, "nft", "-s", "list", "ruleset");
        String iptables = cluster.exec(n, "iptables-save").lines().filter(l -> !l.startsWith("#"))
                .map(l -> l.replaceAll("\\[\\d+:\\d+\\]", "")).reduce("", (x, y) -> x + y + "\n");
        List<String> runFiles = new ArrayList<>();
        for (String sub : List.of("overlayd", "wireguard")) {
            Path d = Path.of("/var/run", sub);
            if (Files.isDirectory(d)) {
                try (var files = Files.list(d)) {
                    files.map(f -> f.getFileName().toString()).filter(f -> f.startsWith(ns + ".") || f.equals(ns))
                            .forEach(f -> runFiles.add(sub + "/" + f));
                }
            }
        }
        List<String> pluginSockets;
        try (var files = Files.list(hosts.docker(n).pluginDirectory())) {
            pluginSockets = files.map(f -> f.getFileName().toString()).sorted().toList();
        }
        // dockerd asks its authorization plugin, overlayd, about every request: none is answered while it is stopped.
        List<String> networks = !cluster.running(n) ? List.of()
                : hosts.docker(n).docker("network", "ls", "--format", "{{.Name}} {{.Driver}}").lines().sorted().toList();
        List<String> state;
        try (var files = Files.walk(dir.resolve(ns).resolve("state"))) {
            state = files.map(f -> dir.resolve(ns).relativize(f).toString()).sorted().toList();
        }
        return new Footprint(links, routes, nft, iptables, runFiles.stream().sorted().toList(), pluginSockets, networks, state);
    }

    private static long veths(Footprint f) {
        return f.links().stream().filter(l -> l.startsWith("ovc")).count();
    }

    private static List<String> without(List<String> list, String item) {
        return list.stream().filter(x -> !x.equals(item)).toList();
    }

    /** Runs a container on host {@code n} as the scheduler would; its overlay address once it has one. */
    private String run(int n, String name, String... options) throws Exception {
        List<String> args = new ArrayList<>(List.of("run", "-d", "--init", "--name", name));
        args.addAll(List.of(options));
        args.addAll(List.of(DockerHost.IMAGE, "sleep", "3600"));
        hosts.docker(n).docker(args.toArray(String[]::new));
        return hosts.overlayAddress(n, name);
    }

    private boolean reaches(int n, String container, String address) throws Exception {
        return hosts.docker(n).tryDocker("exec", container, "ping", "-c", "1", "-W", "1", address).status() == 0;
    }

    private void ping(int n, String container, String address) throws Exception {
        hosts.docker(n).docker("exec", container, "ping", "-c", "1", "-W", "5", address);
    }

    private List<JsonNode> attached(int n) throws Exception {
        JsonNode status = JSON.readTree(Cluster.overlayctl("containers", "--json", cluster.iface(n)));
        List<JsonNode> found = new ArrayList<>();
        (status.isArray() ? status.get(0) : status).path("attached").forEach(found::add);
        return found;
    }

    private String attachedAddress(int n, String name) throws Exception {
        return attached(n).stream().filter(c -> c.path("name").asText().equals(name)).findFirst()
                .orElseThrow(() -> new AssertionError(name + " is not attached on h" + n)).path("address").asText();
    }
}
