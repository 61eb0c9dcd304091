package dev.overlayd.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.overlayd.testing.Commands;
import dev.overlayd.testing.DockerHost;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.api.io.TempDir;

/**
 * Containers on the overlay with real Docker engines: two cluster nodes, each with its own dockerd
 * whose network plugin is its node's overlayd, and containers started as the scheduler would, with
 * nothing in them asking for the overlay. The hosts are made once for the class: a dockerd and two
 * daemons take seconds to start, and every test leaves them as it found them.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class ContainersTest {
    private static final Duration CONVERGE = Duration.ofSeconds(30);
    private static final Pattern OVERLAY_ADDRESS = Pattern.compile("inet (100\\.64\\.\\d+\\.\\d+)/\\d+");

    /** Static: the class's hosts are made in @BeforeAll, before any instance field would be injected. */
    @TempDir
    static Path dir;
    private Cluster cluster;
    private DockerHost d1;
    private DockerHost d2;
    private Path yaml1;
    private Path yaml2;

    @BeforeAll
    void startTwoNodesWithDocker() throws Exception {
        cluster = new Cluster(dir);
        yaml1 = cluster.addHost(1, "10s");
        yaml2 = cluster.addHost(2, "10s", 1);
        d1 = DockerHost.start(cluster.iface(1), cluster.iface(1), dir.resolve("docker1"), "198.19.1.1/24");
        d2 = DockerHost.start(cluster.iface(2), cluster.iface(2), dir.resolve("docker2"), "198.19.2.1/24");
        Files.writeString(yaml1, "containers:\n  docker: unix://" + d1.socket() + "\n", java.nio.file.StandardOpenOption.APPEND);
        Files.writeString(yaml2, "containers:\n  docker: unix://" + d2.socket() + "\n", java.nio.file.StandardOpenOption.APPEND);
        cluster.start(1, yaml1, d1.inside());
        cluster.start(2, yaml2, d2.inside());
        awaitPeers(1, 1);
        awaitPeers(2, 1);
        // As operators are told to: once overlayd runs, dockerd takes it as its authorization plugin.
        d1.enableAuthorization("overlayd");
        d2.enableAuthorization("overlayd");
    }

    /** The dockerds go first, while their plugins still answer; then the daemons and namespaces. */
    @AfterAll
    void removeEverything() throws Exception {
        try {
            for (DockerHost d : new DockerHost[] {d2, d1}) {
                if (d != null) {
                    d.close();
                }
            }
        } finally {
            if (cluster != null) {
                cluster.close();
            }
        }
    }

    @Test
    void containersOnTwoNodesTalkThroughTheTunnelAndOnlyTheOverlayRangeGoesThere() throws Exception {
        String a = run(d1, "talk-a");
        String b = run(d2, "talk-b");

        String routes = d1.docker("exec", "talk-a", "ip", "route");
        assertTrue(routes.lines().anyMatch(l -> l.startsWith("default via 198.19.1.1 dev eth0")),
                "the default route stays on Docker's bridge:\n" + routes);
        assertTrue(routes.lines().anyMatch(l -> l.startsWith("100.64.0.0/16 via 100.64.0.1 dev eth1")),
                "the overlay range goes to the overlay interface:\n" + routes);
        assertEquals(1, routes.lines().filter(l -> l.startsWith("default")).count(), routes);

        Path pcap = dir.resolve("underlay.pcap");
        Process tcpdump = new ProcessBuilder("ip", "netns", "exec", cluster.iface(1), "tcpdump", "--immediate-mode", "-i", Cluster.uplink(1),
                "-U", "-n", "-w", pcap.toString()).redirectErrorStream(true)
                .redirectOutput(dir.resolve("tcpdump.log").toFile()).start();
        try {
            Await.until("tcpdump to listen", CONVERGE, () -> Files.readString(dir.resolve("tcpdump.log")).contains("listening on"));
            d1.docker("exec", "talk-a", "ping", "-c", "3", "-W", "5", b);
            d2.docker("exec", "talk-b", "ping", "-c", "1", "-W", "5", a);

            // busybox's nc stops reading the socket once its own input ends: keep that open.
            d2.docker("exec", "-d", "talk-b", "sh", "-c", "sleep 120 | nc -l -p 7000 > /received");
            Await.until("the listener in talk-b", CONVERGE,
                    () -> d2.docker("exec", "talk-b", "netstat", "-ltn").contains(":7000"));
            String sent = "(echo overlayd-container-marker; seq 1 60000)";
            d1.docker("exec", "talk-a", "sh", "-c", sent + " | nc -w 5 " + b + " 7000");
            String expected = d1.docker("exec", "talk-a", "sh", "-c", sent + " | md5sum").strip();
            Await.until("the whole stream in talk-b", CONVERGE,
                    () -> d2.docker("exec", "talk-b", "sh", "-c", "md5sum < /received").strip().equals(expected));
        } finally {
            tcpdump.destroy();
            tcpdump.waitFor(10, TimeUnit.SECONDS);
        }
        // The hosts' IPv6 link-local chatter (router solicitations, MLD) is no traffic of theirs.
        List<String> other = frames(pcap, "not arp and not (ip6 and dst net ff02::/16) and not (udp port 51820)");
        assertEquals(List.of(), other, "only WireGuard's port on the underlay");
        assertEquals(List.of(), frames(pcap, "udp port 51820 and (udp[8] < 1 or udp[8] > 4)"),
                "only WireGuard's messages on its port");
        assertTrue(frames(pcap, "udp[8] = 4").size() > 20, "the transfer crossed as data messages");
        assertFalse(new String(Files.readAllBytes(pcap), StandardCharsets.ISO_8859_1).contains("overlayd-container-marker"),
                "nothing of the stream in clear on the underlay");
        remove(d1, "talk-a");
        remove(d2, "talk-b");
    }

    @Test
    void aContainerReachesItsNeighbourTheNodesAndAStaticHost() throws Exception {
        // docker run starts sooner than a connect at create: the authorization plugin holds the start.
        String first = d1.docker("run", "--rm", "--init", DockerHost.IMAGE, "ip", "-4", "-o", "addr", "show", "dev", "eth1");
        assertTrue(OVERLAY_ADDRESS.matcher(first).find(), "docker run's first command sees its overlay address: " + first);
        String a = run(d1, "reach-a");
        String c = run(d1, "reach-c");
        d1.docker("exec", "reach-a", "ping", "-c", "1", "-W", "5", c);
        d1.docker("exec", "reach-a", "ping", "-c", "1", "-W", "5", cluster.overlay(1));
        d1.docker("exec", "reach-a", "ping", "-c", "1", "-W", "5", cluster.overlay(2));
        cluster.exec(2, "ping", "-c", "1", "-W", "5", a);

        int db = 9;
        Path home = cluster.addNamespace(db);
        Path file = home.resolve(cluster.iface(db) + ".conf");
        Sh.ok("sh", "-c", "umask 077 && " + Cluster.OVERLAYCTL + " host add db1 --ca " + cluster.ca
                + " --endpoint " + Cluster.underlay(db) + ":51820 --out " + home + " " + cluster.iface(1) + " > " + file);
        Sh.ok("ip", "netns", "exec", cluster.iface(db), "env", "WG_QUICK_USERSPACE_IMPLEMENTATION=wireguard-go",
                "wg-quick", "up", file.toString());
        String dbAddress = Files.readString(file).lines().filter(l -> l.startsWith("Address = ")).findFirst().orElseThrow()
                .substring("Address = ".length()).replace("/32", "");
        awaitPeers(1, 2);
        d1.docker("exec", "reach-a", "ping", "-c", "1", "-W", "5", dbAddress);
        String fromDb = Sh.ok("ip", "netns", "exec", cluster.iface(db), "ping", "-c", "1", "-W", "5", a);
        assertTrue(fromDb.contains("1 received"), fromDb);
        remove(d1, "reach-a");
        remove(d1, "reach-c");
    }

    @Test
    void containersThatOptOutOrHaveNoNetworkOfTheirOwnAreLeftAloneAndSaidSo() throws Exception {
        d1.docker("run", "-d", "--init", "--name", "opt-out", "--label", "dev.overlayd.attach=false", DockerHost.IMAGE,
                "sleep", "3600");
        d1.docker("run", "-d", "--init", "--name", "no-net", "--network", "none", DockerHost.IMAGE, "sleep", "3600");
        String attached = run(d1, "opt-in");
        assertFalse(OVERLAY_ADDRESS.matcher(d1.docker("exec", "opt-out", "ip", "-4", "-o", "addr")).find());
        JsonNode status = containers(1);
        assertTrue(skipped(status, "opt-out").asText().contains("dev.overlayd.attach"), status.toPrettyString());
        assertTrue(skipped(status, "no-net").asText().contains("none"), status.toPrettyString());
        assertEquals(attached, attachedEntry(status, "opt-in").get("address").asText(), status.toPrettyString());
        String table = Cluster.overlayctl("containers", cluster.iface(1));
        assertTrue(table.contains("opt-in") && table.contains(attached) && table.contains("opt-out"), table);
        remove(d1, "opt-out");
        remove(d1, "no-net");
        remove(d1, "opt-in");
    }

    @Test
    void aContainerStaysAttachedThroughItsRestartAndRestartsOfOverlaydAndDockerd() throws Exception {
        String a = run(d1, "stay-a");
        String b = run(d2, "stay-b");
        d1.docker("exec", "stay-a", "ping", "-c", "1", "-W", "5", b);

        d2.docker("restart", "-t", "0", "stay-b");
        assertEquals(b, overlayAddress(d2, "stay-b"), "the same address after a restart of the container");
        d1.docker("exec", "stay-a", "ping", "-c", "1", "-W", "5", b);

        String started = d1.docker("inspect", "-f", "{{.State.StartedAt}}", "stay-a").strip();
        cluster.stop(1, "TERM");
        cluster.start(1, yaml1, d1.inside());
        // h2, and the static host when another test published one.
        Await.until("h1 to have its peers again", CONVERGE, () -> !cluster.peers(1).isEmpty(), () -> cluster.logText(1));
        assertEquals(started, d1.docker("inspect", "-f", "{{.State.StartedAt}}", "stay-a").strip(),
                "overlayd's restart did not restart the container");
        Await.until("stay-a to reach stay-b again", CONVERGE,
                () -> d1.tryDocker("exec", "stay-a", "ping", "-c", "1", "-W", "2", b).status() == 0);
        assertEquals(a, attachedEntry(containers(1), "stay-a").get("address").asText());

        String c = run(d2, "stay-c", "--restart", "always");
        d2.stopDaemon();
        d2.startDaemon();
        Await.until("dockerd to start stay-c again", CONVERGE,
                () -> d2.docker("inspect", "-f", "{{.State.Running}}", "stay-c").strip().equals("true"), d2::log);
        assertEquals(c, overlayAddress(d2, "stay-c"));
        Await.until("stay-a to reach stay-c", CONVERGE,
                () -> d1.tryDocker("exec", "stay-a", "ping", "-c", "1", "-W", "2", c).status() == 0);
        remove(d1, "stay-a");
        remove(d2, "stay-b");
        remove(d2, "stay-c");
    }

    @Test
    void aContainerCannotSpoofAnotherAddressNorReachTheNodesOwnPorts() throws Exception {
        String target = run(d2, "guard-target");
        run(d1, "guard-spoofer", "--cap-add", "NET_ADMIN");
        String spoofed = "100.64.0.250";
        d1.docker("exec", "guard-spoofer", "ip", "addr", "add", spoofed + "/32", "dev", "eth1");
        Path pcap = dir.resolve("spoof.pcap");
        Process tcpdump = new ProcessBuilder("ip", "netns", "exec", cluster.iface(2), "tcpdump", "--immediate-mode", "-i", cluster.iface(2),
                "-U", "-n", "-w", pcap.toString(), "icmp").redirectErrorStream(true)
                .redirectOutput(dir.resolve("spoof.log").toFile()).start();
        try {
            Await.until("tcpdump to listen", CONVERGE, () -> Files.readString(dir.resolve("spoof.log")).contains("listening on"));
            d1.tryDocker("exec", "guard-spoofer", "ping", "-c", "3", "-W", "1", "-I", spoofed, target);
            // The same container with its own address: the capture works and the path is there. Waited
            // for, and the tries printed when more than one: in one CI run of 9761f61 the first echo
            // (-W 5) went unanswered, cause not yet found; the case is about what is refused.
            int[] tries = {0};
            Await.until("guard-spoofer to reach guard-target with its own address", CONVERGE, () -> {
                tries[0]++;
                return d1.tryDocker("exec", "guard-spoofer", "ping", "-c", "1", "-W", "2", target).status() == 0;
            }, () -> cluster.logText(1) + cluster.logText(2));
            if (tries[0] > 1) {
                System.out.printf("ContainersTest: guard-spoofer reached guard-target at try %d (ping -W 2 each)%n", tries[0]);
            }
        } finally {
            tcpdump.destroy();
            tcpdump.waitFor(10, TimeUnit.SECONDS);
        }
        String seen = Sh.ok("tcpdump", "-r", pcap.toString(), "-n");
        assertFalse(seen.contains(spoofed), "a packet with a forged source reached the other node:\n" + seen);
        assertTrue(seen.contains("echo request"), seen + Files.readString(dir.resolve("spoof.log")));

        Process service = new ProcessBuilder("ip", "netns", "exec", cluster.iface(1), "nc", "-k", "-l", "7777").start();
        try {
            Await.until("the node's service to listen", CONVERGE,
                    () -> cluster.exec(1, "ss", "-Htln", "sport = :7777").contains(":7777"));
            assertEquals(0, Sh.run(List.of("ip", "netns", "exec", cluster.iface(2), "nc", "-z", "-w", "5",
                    cluster.overlay(1), "7777"), 30).status(), "the port is open to the other node");
            assertNotEquals(0, d1.tryDocker("exec", "guard-spoofer", "nc", "-w", "2", cluster.overlay(1), "7777").status(),
                    "a container reached a port of its node");
        } finally {
            Commands.kill(service);
        }
        remove(d1, "guard-spoofer");
        remove(d2, "guard-target");
    }

    /** The frames of a capture that match a tcpdump filter, one line each. */
    private static List<String> frames(Path pcap, String filter) throws Exception {
        return Sh.ok("tcpdump", "-r", pcap.toString(), "-n", filter).lines()
                .filter(l -> !l.startsWith("reading from file")).toList();
    }

    /** Runs a container as the scheduler would, asking for nothing; its overlay address once it has one. */
    private String run(DockerHost d, String name, String... options) throws Exception {
        List<String> args = new java.util.ArrayList<>(List.of("run", "-d", "--init", "--name", name));
        args.addAll(List.of(options));
        args.addAll(List.of(DockerHost.IMAGE, "sleep", "3600"));
        d.docker(args.toArray(String[]::new));
        return overlayAddress(d, name);
    }

    private String overlayAddress(DockerHost d, String name) throws Exception {
        String[] found = new String[1];
        Await.until(name + " to have its overlay address", CONVERGE, () -> {
            Matcher m = OVERLAY_ADDRESS.matcher(d.docker("exec", name, "ip", "-4", "-o", "addr", "show", "dev", "eth1"));
            found[0] = m.find() ? m.group(1) : null;
            return found[0] != null;
        }, () -> cluster.logText(d == d1 ? 1 : 2));
        return found[0];
    }

    private static void remove(DockerHost d, String name) throws Exception {
        d.docker("rm", "-f", name);
    }

    private JsonNode containers(int n) throws Exception {
        return new ObjectMapper().readTree(Cluster.overlayctl("containers", "--json", cluster.iface(n)));
    }

    private static JsonNode attachedEntry(JsonNode status, String name) {
        for (JsonNode c : first(status).path("attached")) {
            if (c.path("name").asText().equals(name)) {
                return c;
            }
        }
        throw new AssertionError(name + " is not attached: " + status.toPrettyString());
    }

    private static JsonNode skipped(JsonNode status, String name) {
        for (JsonNode c : first(status).path("skipped")) {
            if (c.path("name").asText().equals(name)) {
                return c.path("reason");
            }
        }
        throw new AssertionError(name + " is not among the skipped: " + status.toPrettyString());
    }

    /** `overlayctl ... --json` answers with one document per interface asked, as a list. */
    private static JsonNode first(JsonNode status) {
        return status.isArray() ? status.get(0) : status;
    }

    private void awaitPeers(int n, int count) throws Exception {
        Await.until("h" + n + " to have " + count + " peers", CONVERGE, () -> cluster.peers(n).size() == count,
                () -> cluster.logText(n));
    }
}
