package dev.overlayd.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.overlayd.testing.Commands;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.Base64;
import java.util.HexFormat;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/**
 * What overlayd keeps to itself, between two overlayds with a preshared key, logging at debug level
 * and rekeying every 2 s: a marker ping crosses the tunnel through rekeys, one side killed and
 * restarted, and the other side's underlay address changing, and never appears on the underlay in
 * clear; neither private key nor the preshared key (base64 or hex, as `wg` and the UAPI write them)
 * is in either log, in `overlayctl peers --json` or in `wg show`; the UAPI and control sockets are
 * root's alone.
 */
class SecretsTest {
    private static final byte[] MARKER = "overlayd-secret".getBytes(StandardCharsets.US_ASCII);

    @Test
    void noSecretOnTheUnderlayInLogsOrStatusAndTheSocketsAreRootsAlone() throws Exception {
        try (TwoHosts hosts = new TwoHosts()) {
            Host a = hosts.a;
            Host b = hosts.b;
            String psk = Sh.ok("wg", "genpsk").strip();
            Path pskFile = Files.writeString(Files.createFile(hosts.dir().resolve("psk"),
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------"))), psk + "\n");
            for (Host h : List.of(a, b)) {
                start(h, h == a ? b : a, pskFile);
            }
            hosts.assertPings(a, b);

            Capture atA = hosts.capture(a);
            Capture atB = hosts.capture(b);
            try (atA; atB) {
                Process ping = new ProcessBuilder(a.inside("ping", "-i", "0.2", "-W", "1", "-p", HexFormat.of().formatHex(MARKER),
                        b.overlayIp)).redirectErrorStream(true).redirectOutput(hosts.dir().resolve("ping.log").toFile()).start();
                try {
                    // Three rekeys, then b crashes and comes back (new sessions from nothing), then a roams.
                    Await.until("b's session to be rekeyed", java.time.Duration.ofSeconds(30),
                            () -> sessions(atB) >= 3, atB::log);
                    long pid = b.overlaydPid();
                    Sh.ok("kill", "-KILL", Long.toString(pid));
                    b.awaitExit(pid);
                    Files.deleteIfExists(b.socket());
                    Files.deleteIfExists(Path.of("/var/run/overlayd", b.iface + ".sock"));
                    start(b, a, pskFile);
                    awaitReply(a, b, "a to reach the restarted b");
                    hosts.moveUnderlay(a, "198.18.0.3");
                    awaitReply(a, b, "a to reach b from its new address");
                } finally {
                    Commands.stop(ping, Duration.ofSeconds(10));
                }
            }
            for (Capture capture : List.of(atA, atB)) {
                assertTrue(capture.datagrams().stream().filter(d -> d.type() == 4).count() >= 20,
                        "the capture saw the pings as transport data");
                assertFalse(Capture.contains(capture.bytes(), MARKER), "the marker appears in clear on the underlay");
            }
            assertTrue(sessions(atB) >= 5, "rekeys and the restart each made a new session: " + sessions(atB));

            List<String> secrets = List.of(a.privateKey, b.privateKey, psk);
            for (Host h : List.of(a, b)) {
                String json = h.exec(Host.OVERLAYCTL.toString(), "peers", h.iface, "--json");
                String show = h.exec("wg", "show", h.iface);
                assertTrue(json.contains(h.publicKey) && show.contains("preshared key: (hidden)"), json + show);
                for (String secret : secrets) {
                    String hex = HexFormat.of().formatHex(Base64.getDecoder().decode(secret));
                    for (var place : List.of(List.of("log", h.log()), List.of("overlayctl peers --json", json),
                            List.of("wg show", show))) {
                        assertFalse(place.get(1).contains(secret) || place.get(1).contains(hex),
                                "a key in " + h.iface + "'s " + place.get(0));
                    }
                }
                assertTrue(h.log().contains(" FINE "), "the log is at debug level:\n" + h.log());
                assertRootsAlone(h.socket());
                assertRootsAlone(Path.of("/var/run/overlayd", h.iface + ".sock"));
            }
        }
    }

    /** overlayd on {@code h} at debug level rekeying every 2 s, peered with {@code other} under the preshared key. */
    private static void start(Host h, Host other, Path psk) throws Exception {
        h.startOverlayd("LOG_LEVEL=debug", "OVERLAYD_TEST_REKEY_AFTER_SECONDS=2");
        h.exec("wg", "set", h.iface, "private-key", h.keyFile().toString(), "listen-port", Integer.toString(h.listenPort),
                "peer", other.publicKey, "preshared-key", psk.toString(), "allowed-ips", other.overlayIp + "/32",
                "endpoint", other.underlayIp + ":" + other.listenPort);
        if (!h.exec("ip", "-o", "addr", "show", "dev", h.iface).contains(h.overlayIp)) {
            h.exec("ip", "addr", "add", h.overlayIp + "/24", "dev", h.iface);
        }
        h.exec("ip", "link", "set", h.iface, "up");
    }

    /** Until one ping from {@code from} is answered by {@code to}: the tunnel is back, by a new handshake or the endpoint learned. */
    private static void awaitReply(Host from, Host to, String what) throws Exception {
        Await.until(what, java.time.Duration.ofSeconds(30),
                () -> from.tryExec(5, "ping", "-c", "1", "-W", "1", to.overlayIp).status() == 0, () -> from.log() + to.log());
    }

    /** The sessions seen in transport data towards {@code capture}'s host: one receiver index each. */
    private static long sessions(Capture capture) throws Exception {
        return capture.datagrams().stream().filter(d -> d.type() == 4).map(Capture.Datagram::receiverIndex)
                .collect(Collectors.toSet()).size();
    }

    /** The socket is root's and only its owner may connect; nobody else may replace it in its directory. */
    private static void assertRootsAlone(Path socket) throws Exception {
        PosixFileAttributes attributes = Files.readAttributes(socket, PosixFileAttributes.class);
        assertEquals("root", attributes.owner().getName(), socket.toString());
        assertEquals(PosixFilePermissions.fromString("rw-------"), attributes.permissions(), socket.toString());
        PosixFileAttributes directory = Files.readAttributes(socket.getParent(), PosixFileAttributes.class);
        String mode = PosixFilePermissions.toString(directory.permissions());
        assertTrue(directory.owner().getName().equals("root") && mode.charAt(4) != 'w' && mode.charAt(7) != 'w',
                socket.getParent() + ": " + mode);
    }
}
