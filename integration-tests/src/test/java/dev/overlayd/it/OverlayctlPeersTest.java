package dev.overlayd.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.overlayd.testing.Commands;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import com.fasterxml.jackson.databind.JsonNode;
import org.junit.jupiter.api.Test;

/**
 * bin/overlayctl against two real daemons started from wg-quick-style files with peer names: what
 * an operator sees before the first handshake, after it, and while traffic flows.
 */
class OverlayctlPeersTest {
    private static final Path OVERLAYCTL = Host.OVERLAYCTL;

    @Test
    void peersShowsNamesHandshakesTrafficDropsAndVerdicts() throws Exception {
        try (TwoHosts hosts = new TwoHosts()) {
            // a knows b's endpoint and calls it "bee"; b only waits to be called.
            startFromConfig(hosts.a, hosts.b, "bee", true);
            startFromConfig(hosts.b, hosts.a, null, false);

            JsonNode before = peerOf(hosts.a);
            assertEquals("bee", before.get("name").asText());
            assertEquals(hosts.b.publicKey, before.get("publicKey").asText());
            assertEquals("198.18.0.2:51820", before.get("endpoint").asText());
            assertEquals("[\"100.64.0.2/32\"]", before.get("allowedIps").toString());
            assertTrue(before.get("latestHandshake").isNull());
            assertEquals("never connected", before.get("verdict").asText());
            assertTrue(peerOf(hosts.b).get("endpoint").isNull(), "b has not heard from a yet");

            // Pings for a few seconds: the daemon samples its counters once a second.
            Process pings = new ProcessBuilder(hosts.a.inside("ping", "-c", "25", "-i", "0.2", "-s", "1000", hosts.b.overlayIp))
                    .redirectErrorStream(true).redirectOutput(hosts.dir().resolve("ping.log").toFile()).start();
            try {
                JsonNode during = null;
                for (int i = 0; i < 50; i++) {
                    during = peerOf(hosts.a);
                    if (during.get("txBitsPerSecond").asLong() > 0 && during.get("rxBitsPerSecond").asLong() > 0) {
                        break;
                    }
                    Thread.sleep(200);
                }
                assertTrue(during.get("txBitsPerSecond").asLong() > 0, during.toString());
                assertTrue(during.get("rxBitsPerSecond").asLong() > 0, during.toString());
                assertEquals("healthy", during.get("verdict").asText());
                assertFalse(during.get("latestHandshake").isNull());
                assertTrue(during.get("rxBytes").asLong() > 1000 && during.get("txBytes").asLong() > 1000, during.toString());
            } finally {
                Commands.stop(pings, Duration.ofSeconds(10));
            }

            JsonNode b = peerOf(hosts.b);
            assertTrue(b.get("name").isNull(), "b's file names nobody");
            assertEquals("198.18.0.1:51820", b.get("endpoint").asText(), "b learnt a's endpoint from its handshake");
            assertEquals("healthy", b.get("verdict").asText());

            // A destination inside the overlay that no peer's allowed IPs cover: a counted drop.
            hosts.a.tryExec(10, "ping", "-c", "2", "-i", "0.2", "-W", "1", "100.64.0.99");
            JsonNode drops = hosts.a.overlaydStatus().get("drops");
            assertTrue(drops.path("no_route").asLong() >= 2, drops.toString());

            Sh.Run table = Sh.run(List.of(OVERLAYCTL.toString(), "peers", hosts.a.iface), 30);
            assertEquals(0, table.status(), table.output());
            assertTrue(table.output().contains("interface " + hosts.a.iface + ": public key " + hosts.a.publicKey), table.output());
            assertTrue(table.output().lines().anyMatch(l -> l.startsWith("bee ") && l.contains(hosts.b.publicKey)
                    && l.endsWith("healthy")), table.output());
            assertFalse(table.output().contains("\u001b["), "no colour when not on a terminal");
        }
    }

    @Test
    void onlyRootMayAsk() throws Exception {
        Path copy = readableCopy();
        try (TwoHosts hosts = new TwoHosts()) {
            hosts.a.startOverlayd();
            Sh.Run asNobody = Sh.run(List.of("setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
                    copy.resolve("bin/overlayctl").toString(), "peers", hosts.a.iface), 30);
            assertEquals(1, asNobody.status(), asNobody.output());
            assertEquals("overlayctl: permission denied on /var/run/overlayd/" + hosts.a.iface
                    + ".sock: overlayctl needs root", asNobody.output().strip());
        } finally {
            delete(copy);
        }
    }

    /**
     * What bin/overlayctl runs on, copied where any user can read it: the checkout itself may lie
     * where nobody cannot enter (under /root, in a mktemp -d directory), and then nobody would be
     * refused the launcher, not the socket. Without the class-data archive, which the JVM would not
     * map at another path anyway.
     */
    private static Path readableCopy() throws Exception {
        Path top = Host.OVERLAYD.getParent().getParent();
        Path copy = Files.createTempDirectory("overlayctl-");
        try {
            for (String file : List.of("bin/overlayctl", "bin/.runtime", ".mvn/select-jdk.sh", "cli/target/overlayd.jar")) {
                Path to = copy.resolve(file);
                Files.createDirectories(to.getParent());
                Files.copy(top.resolve(file), to);
                // Whatever the umask: readable by all, the launcher executable.
                Files.setPosixFilePermissions(to, PosixFilePermissions.fromString(
                        Files.isExecutable(top.resolve(file)) ? "rwxr-xr-x" : "rw-r--r--"));
            }
            try (Stream<Path> paths = Files.walk(copy)) {
                for (Path dir : paths.filter(Files::isDirectory).toList()) {
                    Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
                }
            }
            return copy;
        } catch (Exception e) {
            delete(copy);
            throw e;
        }
    }

    private static void delete(Path tree) throws Exception {
        try (Stream<Path> files = Files.walk(tree)) {
            for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }

    private static void startFromConfig(Host host, Host peer, String peerName, boolean withEndpoint) throws Exception {
        String section = Host.peerSection(peer, withEndpoint, peer.overlayHostPrefix());
        if (peerName != null) {
            section = section.replace("[Peer]\n", "[Peer]\n# Name = " + peerName + "\n");
        }
        host.startFromConfig(host.writeWgQuickConfig(section));
    }

    private static JsonNode peerOf(Host host) throws Exception {
        JsonNode peers = host.overlaydStatus().get("peers");
        assertEquals(1, peers.size(), peers.toString());
        assertNotEquals(host.publicKey, peers.get(0).get("publicKey").asText());
        return peers.get(0);
    }
}
