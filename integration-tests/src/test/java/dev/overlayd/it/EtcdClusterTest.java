package dev.overlayd.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * Cluster mode with the etcd backend, against a real etcd on the switch serving TLS with client
 * certificate authentication: nodes find each other through it and keep carrying traffic while it
 * is down for longer than their TTL; a revoked node hears it through its watch.
 */
class EtcdClusterTest {
    private static final Duration CONVERGE = Duration.ofSeconds(60);
    /** The TTL of the nodes' leases; an outage lasts several of them. */
    private static final int TTL_SECONDS = 3;
    private static final int OUTAGE_SECONDS = 4 * TTL_SECONDS;

    @TempDir
    Path dir;
    private Cluster cluster;

    @BeforeEach
    void setUp() throws Exception {
        cluster = new Cluster(dir);
        cluster.startEtcd();
    }

    @AfterEach
    void tearDown() throws Exception {
        // null when the constructor failed, which removed what it had made itself.
        if (cluster != null) {
            cluster.close();
        }
    }

    /** Configures {@code hosts} etcd nodes and starts the first two: each is the other's peer. */
    private void twoOf(int hosts) throws Exception {
        for (int n = 1; n <= hosts; n++) {
            cluster.addEtcdHost(n, TTL_SECONDS + "s");
        }
        cluster.start(1);
        cluster.start(2);
        awaitPeers(1, 1);
        awaitPeers(2, 1);
    }

    /**
     * etcd gone for several TTLs, and back with its data, or with none of it (a disk replaced,
     * nothing restored: every lease, record and revision the nodes knew is gone). The nodes keep
     * their tunnels, register again by themselves and follow the new etcd's changes: a node that
     * joins after it is seen by them, and one that stops is dropped.
     */
    @ParameterizedTest(name = "etcd back with its data lost: {0}")
    @ValueSource(booleans = {false, true})
    void nodesKeepTheirTunnelsThroughAnEtcdOutageAndRegisterAgain(boolean dataLost) throws Exception {
        twoOf(3);
        ping(1, 2, 3);

        cluster.killEtcd();
        if (dataLost) {
            cluster.dropEtcdData();
        }
        // A reply a second through the whole outage: not one may be missing.
        ping(1, 2, OUTAGE_SECONDS);
        assertEquals(1, cluster.peers(1).size(), cluster.logText(1));
        assertEquals(1, cluster.peers(2).size(), cluster.logText(2));

        long back = System.nanoTime();
        cluster.startEtcd();
        // h3 learns of h1 and h2 only from etcd, and they of h3 only through their watches on it.
        cluster.start(3);
        long started = System.nanoTime();
        for (int n = 1; n <= 3; n++) {
            awaitPeers(n, 2);
        }
        System.out.printf("EtcdClusterTest: %d s outage (TTL %d s), etcd back %s: h3 started %.1f s after etcd, "
                + "all three nodes converged %.1f s after etcd (%.1f s after h3's start)%n", OUTAGE_SECONDS, TTL_SECONDS,
                dataLost ? "empty" : "with its data", (started - back) / 1e9, (System.nanoTime() - back) / 1e9,
                (System.nanoTime() - started) / 1e9);
        ping(3, 1, 3);
        ping(3, 2, 3);
        ping(1, 2, 3);

        // Killed, h2 is dropped by its lease alone: the leases on the etcd that came back are live.
        cluster.stop(2, "KILL");
        awaitPeers(1, 1);
        awaitPeers(3, 1);
        for (int n : List.of(1, 3)) {
            assertTrue(cluster.running(n), "h" + n + " exited:\n" + cluster.logText(n));
            assertFalse(cluster.logText(n).contains("\tat "), "a stack trace in h" + n + "'s log:\n" + cluster.logText(n));
        }
    }

    /** A node whose underlay address changes publishes its new endpoint in etcd: the others' records have it. */
    @Test
    void aNodeWhoseUnderlayAddressChangesPublishesItsNewEndpoint() throws Exception {
        twoOf(2);
        String moved = "198.18.1.33";
        cluster.moveUnderlay(2, moved);
        Await.until("h1 to have h2's new endpoint", CONVERGE, () -> cluster.endpointOf(1, "h2").equals(moved + ":51820"),
                () -> cluster.logText(2));
        ping(1, 2, 3);
    }

    @Test
    void aRevokedNodeHearsItThroughEtcdAndStops() throws Exception {
        twoOf(2);
        Cluster.overlayctl("cert", "revoke", "h2", "--ca", cluster.ca.toString());
        cluster.exec(1, Cluster.OVERLAYCTL.toString(), "revoke", cluster.ca.resolve("revoked.crl").toString(),
                cluster.iface(1));
        awaitPeers(1, 0);
        Await.until("h2 to stop, told through its watch that it is revoked", CONVERGE, () -> !cluster.running(2),
                () -> cluster.logText(2));
        assertTrue(cluster.logText(2).contains("h2's certificate (serial "), cluster.logText(2));
    }

    /**
     * {@code replies} echo replies from {@code to} within a deadline, one request a second: ping's
     * status alone would pass with a single lucky reply. Late replies count: ping sends on while
     * it waits for them, so more than {@code replies} may come.
     */
    private void ping(int from, int to, int replies) throws Exception {
        String output = cluster.exec(from, "ping", "-c", String.valueOf(replies), "-i", "1",
                "-w", String.valueOf(replies + 5), cluster.overlay(to));
        Matcher received = Pattern.compile(" (\\d+) received").matcher(output);
        assertTrue(received.find() && Integer.parseInt(received.group(1)) >= replies,
                () -> output + "\nh" + from + "'s log:\n" + cluster.logText(from) + "\nh" + to + "'s log:\n" + cluster.logText(to));
    }

    private void awaitPeers(int n, int count) throws Exception {
        Await.until("h" + n + " to have " + count + " peers", CONVERGE, () -> cluster.peers(n).size() == count,
                () -> cluster.logText(n));
    }
}
