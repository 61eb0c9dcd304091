package dev.overlayd.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.overlayd.testing.Commands;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Cluster mode with the embedded membership, on three or four real daemons on one switch: nodes
 * join through one seed (by address, or by a host name) and reach members they never named, a graceful stop is known at once,
 * a crash after the TTL, a revocation handed to one node cuts the revoked one off on every node and
 * still after a restart, another cluster's node gets nowhere, and the two sides of a healed
 * partition find each other again.
 */
class ClusterTest {
    private static final Duration CONVERGE = Duration.ofSeconds(30);
    /** The namespace number of the static host running stock WireGuard. */
    private static final int DB = 9;

    @TempDir
    Path dir;
    private Cluster cluster;

    @BeforeEach
    void setUp() throws Exception {
        cluster = new Cluster(dir);
    }

    @AfterEach
    void tearDown() throws Exception {
        // null when the constructor failed, which removed what it had made itself.
        if (cluster != null) {
            cluster.close();
        }
    }

    private void threeNodes(String ttl) throws Exception {
        cluster.addHost(1, ttl);
        cluster.addHost(2, ttl, 1);
        // h3 knows its seed by name, as an auto-scaling group's instances would know a DNS name.
        cluster.resolve(3, "seeds.ovt.test", 1);
        cluster.addHost(3, ttl, List.of("seeds.ovt.test"));
        for (int n = 1; n <= 3; n++) {
            cluster.start(n);
        }
        for (int n = 1; n <= 3; n++) {
            awaitPeers(n, 2);
        }
    }

    /** h1, and h2 joined through it, each the other's peer; h1's overlay.yaml. */
    private Path twoNodes() throws Exception {
        Path yaml1 = cluster.addHost(1, "10s");
        cluster.addHost(2, "10s", 1);
        cluster.start(1);
        cluster.start(2);
        awaitPeers(1, 1);
        awaitPeers(2, 1);
        return yaml1;
    }

    @Test
    void nodesJoinThroughOneSeedReachEachOtherAndAGracefulStopIsKnownAtOnce() throws Exception {
        // A TTL far beyond the wait below: only the departure announcement can remove h3 in time.
        threeNodes("120s");
        cluster.exec(2, "ping", "-c", "1", "-W", "5", cluster.overlay(3));
        String members = Cluster.overlayctl("members", cluster.iface(2), "--json");
        for (String name : new String[] {"\"h1\"", "\"h2\"", "\"h3\""}) {
            assertTrue(members.contains(name), members);
        }
        // The gossip's drop counters are shown, and among honest nodes nothing was forged or refused.
        assertTrue(members.contains("\"bad-signature\" : 0") && members.contains("\"refused\" : 0"), members);
        String peers = Cluster.overlayctl("peers", cluster.iface(2));
        assertTrue(peers.contains("h1") && peers.contains("h3"), "peers are named by their certificates:\n" + peers);

        cluster.stop(3, "TERM");
        awaitPeers(1, 1);
        awaitPeers(2, 1);
        assertTrue(cluster.logText(1).contains("member h3 removed: left the cluster"), cluster.logText(1));
    }

    @Test
    void aCrashedNodeGoesAfterTheTtl() throws Exception {
        threeNodes("3s");
        cluster.stop(3, "KILL");
        awaitPeers(1, 1);
        awaitPeers(2, 1);
        assertTrue(cluster.logText(2).contains("member h3 removed: no heartbeat for 3s"), cluster.logText(2));
    }

    @Test
    void aRevocationHandedToOneNodeCutsTheNodeOffEverywhereTellsItAndOutlivesARestart() throws Exception {
        threeNodes("3s");
        String h2 = cluster.exec(2, "wg", "show", cluster.iface(2), "public-key").strip();

        Cluster.overlayctl("cert", "revoke", "h2", "--ca", cluster.ca.toString());
        cluster.exec(1, Cluster.OVERLAYCTL.toString(), "revoke", cluster.ca.resolve("revoked.crl").toString(),
                cluster.iface(1));
        // Every other node, not only the one it was handed to, drops h2 for its revocation.
        for (int n : new int[] {1, 3}) {
            awaitPeers(n, 1);
            assertFalse(cluster.peers(n).contains(h2), cluster.peers(n).toString());
            assertTrue(cluster.logText(n).contains("member h2 removed: h2: certificate revoked"), cluster.logText(n));
        }
        // Cut off, h2 joins again once it has lost the others, is sent the list, and stops for good.
        String told = "h2's certificate (serial ";
        Await.until("h2 to stop, told that it is revoked", CONVERGE, () -> !cluster.running(2), () -> cluster.logText(2));
        assertTrue(cluster.logText(2).contains(told) && cluster.logText(2).contains(") was revoked by cluster test's CA at "),
                cluster.logText(2));
        Sh.Run again = cluster.tryStart(2);
        assertEquals(77, again.status(), "what its systemd unit does not restart: " + again.output());
        assertTrue(again.output().contains(told), again.output());

        // h1 restarts with no one to hand it the revocation again: only its state directory knows.
        // h2, its own copy of the list lost, starts and joins h1, and is told again.
        cluster.stop(1, "TERM");
        cluster.stop(3, "TERM");
        int before = cluster.logText(1).length();
        cluster.start(1);
        Files.delete(cluster.dir.resolve(cluster.iface(2)).resolve("state").resolve("revoked.crl"));
        int told2 = cluster.logText(2).length();
        cluster.start(2);
        Await.until("the restarted h1 to refuse h2 and h2 to stop", CONVERGE, () -> !cluster.running(2),
                () -> cluster.logText(1) + cluster.logText(2));
        assertTrue(cluster.logText(1).substring(before).lines()
                .anyMatch(l -> l.contains(Cluster.underlay(2) + ":51820") && l.contains("h2: certificate revoked")),
                cluster.logText(1));
        assertTrue(cluster.logText(2).substring(told2).contains(told), cluster.logText(2));
        assertEquals(List.of(), cluster.peers(1));
    }

    @Test
    void aNodeOfAnotherClusterIsNotAdmitted() throws Exception {
        cluster.addHost(1, "10s");
        cluster.start(1);
        Path other = dir.resolve("other");
        Cluster.overlayctl("ca", "init", "--dir", other.toString(), "--name", "test", "--overlay", "100.64.0.0/16");
        Path yaml = cluster.addHost(2, "10s", 1);
        Path home = yaml.getParent();
        Files.delete(home.resolve("h2.key"));
        Cluster.overlayctl("cert", "issue", "h2", "--ca", other.toString(), "--out", home.toString(), "--subnet",
                "100.64.9.0/24", "--address", "100.64.9.1");
        Files.writeString(yaml, Files.readString(yaml).replace("../ca/ca.crt", "../other/ca.crt"));
        cluster.start(2, yaml);
        Await.until("h2 to fail joining", CONVERGE,
                () -> cluster.logText(2).contains("join with 198.18.1.1:51820 failed at step 2"), () -> cluster.logText(2));
        assertEquals(0, cluster.peers(1).size());
        assertEquals(0, cluster.peers(2).size());
    }

    /**
     * Cluster roaming: a node's underlay address changes under it (a new DHCP lease, an interface
     * moved). The others follow it as soon as its packets come from the new address, and it
     * publishes its new endpoint itself, so that every member's record of it, and a node that joins
     * later, have that one and not the old.
     */
    @Test
    void aNodeWhoseUnderlayAddressChangesIsFollowedAndPublishesItsNewEndpoint() throws Exception {
        threeNodes("10s");
        String moved = "198.18.1.33";
        long at = System.nanoTime();
        cluster.moveUnderlay(3, moved);
        for (int n : List.of(1, 2)) {
            Await.until("h" + n + " and h3 to reach each other", CONVERGE,
                    () -> pingOnce(n, 3) && pingOnce(3, n), () -> cluster.logText(3));
        }
        long reached = System.nanoTime();
        for (int n = 1; n <= 3; n++) {
            int of = n;
            Await.until("h" + n + " to have h3's new endpoint", CONVERGE,
                    () -> cluster.endpointOf(of, "h3").equals(moved + ":51820"), () -> cluster.logText(of) + "\n" + cluster.logText(3));
        }
        System.out.printf("ClusterTest: h3's underlay address changed: h1 and h2 reached it and it them %.1f s after, "
                + "every record had its new endpoint %.1f s after%n", (reached - at) / 1e9, (System.nanoTime() - at) / 1e9);
        cluster.addHost(4, "10s", 1);
        cluster.start(4);
        awaitPeers(4, 3);
        assertEquals(moved + ":51820", cluster.endpointOf(4, "h3"), "a node that joins later learns the new endpoint");
        cluster.exec(4, "ping", "-c", "1", "-W", "5", cluster.overlay(3));
    }

    private boolean pingOnce(int from, int to) throws Exception {
        return Sh.run(List.of("ip", "netns", "exec", cluster.iface(from), "ping", "-c", "1", "-W", "1", cluster.overlay(to)),
                10).status() == 0;
    }

    @Test
    void theSidesOfAHealedPartitionFindEachOtherAgain() throws Exception {
        threeNodes("3s");
        cluster.exec(3, "ip", "link", "set", Cluster.uplink(3), "down");
        awaitPeers(1, 1);
        awaitPeers(3, 0);
        cluster.exec(3, "ip", "link", "set", Cluster.uplink(3), "up");
        for (int n = 1; n <= 3; n++) {
            awaitPeers(n, 2);
        }
        cluster.exec(3, "ping", "-c", "1", "-W", "5", cluster.overlay(2));
    }

    @Test
    void aStaticHostRunningStockWireGuardReachesAServiceOnANodeAndBack() throws Exception {
        twoNodes();
        Path file = addStaticHost();
        Path home = file.getParent();
        // h2 never heard of db1 from the operator: the record reached it through the cluster.
        awaitPeers(1, 2);
        awaitPeers(2, 2);

        Path received = home.resolve("received");
        Process service = new ProcessBuilder("ip", "netns", "exec", cluster.iface(2), "sh", "-c",
                "echo answer-from-h2 | exec nc -N -l -p 5432 > " + received).start();
        try {
            Await.until("the service on h2 to listen", CONVERGE,
                    () -> cluster.exec(2, "ss", "-Htln", "sport = :5432").contains(":5432"));
            String answer = Sh.ok("ip", "netns", "exec", cluster.iface(DB), "sh", "-c",
                    "echo request-from-db1 | nc -N -w 5 " + cluster.overlay(2) + " 5432");
            assertEquals("answer-from-h2", answer.strip(), "the node's answer came back to the static host");
            assertTrue(service.waitFor(10, java.util.concurrent.TimeUnit.SECONDS));
            assertEquals("request-from-db1", Files.readString(received).strip());
        } finally {
            Commands.kill(service);
        }
        cluster.exec(1, "ping", "-c", "1", "-W", "5", hostAddress(file));
        String members = Cluster.overlayctl("members", cluster.iface(2));
        assertTrue(members.lines().anyMatch(l -> l.contains("db1") && l.contains("static host")), members);
        String peers = Cluster.overlayctl("peers", cluster.iface(2));
        assertTrue(peers.contains("db1") && peers.contains("static host") && peers.contains("expires in 364d"),
                "the static host is named, and known as one, by its certificate:\n" + peers);
    }

    /**
     * A static host listed under {@code hosts:} in one node's overlay.yaml outlives a restart of
     * the whole cluster: that node publishes it again at start, and the other nodes make it their
     * peer again from that record alone. A node that joins later is not in the host's file until
     * `overlayctl host config` prints it again, and applied with `wg syncconf` it reaches that node.
     */
    @Test
    void aStaticHostUnderHostsIsRepublishedAtStartAndHostConfigBringsInALaterNode() throws Exception {
        Path yaml1 = twoNodes();
        Path file = addStaticHost();
        Path home = file.getParent();
        awaitPeers(2, 2);

        // Only h1 lists the host. Then the whole cluster stops, and with it the embedded record.
        Files.writeString(yaml1, "hosts: [" + home.resolve("db1.crt") + "]\n", StandardOpenOption.APPEND);
        cluster.stop(1, "TERM");
        cluster.stop(2, "TERM");
        cluster.start(2);
        assertEquals(List.of(), cluster.peers(2), "h2, alone, kept no record of db1 of its own");
        cluster.start(1);
        awaitPeers(1, 2);
        awaitPeers(2, 2);
        String members = Cluster.overlayctl("members", cluster.iface(2));
        assertTrue(members.lines().anyMatch(l -> l.contains("db1") && l.contains("static host")), members);
        cluster.exec(DB, "ping", "-c", "1", "-W", "5", cluster.overlay(2));

        cluster.addHost(3, "10s", 1);
        cluster.start(3);
        awaitPeers(3, 3);
        assertEquals(2, cluster.peers(DB).size(), "the host's file, a snapshot, knows only h1 and h2");
        Sh.ok("sh", "-c", "umask 077 && " + Cluster.OVERLAYCTL + " host config " + home.resolve("db1.crt") + " --key "
                + home.resolve("db1.key") + " " + cluster.iface(1) + " > " + file);
        assertEquals(3, Files.readString(file).lines().filter(l -> l.equals("[Peer]")).count(), Files.readString(file));
        // As the README says: applied without a restart, the peers by wg syncconf, their routes by ip.
        cluster.exec(DB, "bash", "-c", "wg syncconf " + cluster.iface(DB) + " <(wg-quick strip " + file + ")");
        assertEquals(3, cluster.peers(DB).size());
        for (String line : Files.readString(file).lines().filter(l -> l.startsWith("AllowedIPs = ")).toList()) {
            for (String prefix : line.substring("AllowedIPs = ".length()).split(",\\s*")) {
                cluster.exec(DB, "ip", "route", "replace", prefix, "dev", cluster.iface(DB));
            }
        }
        cluster.exec(DB, "ping", "-c", "1", "-W", "5", cluster.overlay(3));
        cluster.exec(3, "ping", "-c", "1", "-W", "5", hostAddress(file));
    }

    /** The static host's overlay address, from the Address line of its wg-quick file. */
    /**
     * Static host db1 in namespace {@link #DB}, added through h1 as an operator would (the
     * configuration on stdout into the file, what was done on stderr) and up with wg-quick running
     * wireguard-go: its wg-quick file, beside its certificate and key.
     */
    private Path addStaticHost() throws Exception {
        Path home = cluster.addNamespace(DB);
        Path file = home.resolve(cluster.iface(DB) + ".conf");
        String said = Sh.ok("sh", "-c", "umask 077 && " + Cluster.OVERLAYCTL + " host add db1 --ca " + cluster.ca
                + " --endpoint " + Cluster.underlay(DB) + ":51820 --out " + home + " " + cluster.iface(1) + " > " + file);
        assertTrue(said.contains("db1 is published to cluster test"), said);
        cluster.exec(DB, "env", "WG_QUICK_USERSPACE_IMPLEMENTATION=wireguard-go", "wg-quick", "up", file.toString());
        return file;
    }

    private static String hostAddress(Path file) throws Exception {
        return Files.readString(file).lines().filter(l -> l.startsWith("Address = ")).findFirst().orElseThrow()
                .substring("Address = ".length()).replace("/32", "");
    }

    private void awaitPeers(int n, int count) throws Exception {
        Await.until("h" + n + " to have " + count + " peers", CONVERGE, () -> cluster.peers(n).size() == count,
                () -> cluster.logText(n));
    }
}
