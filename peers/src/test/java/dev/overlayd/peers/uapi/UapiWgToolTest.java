package dev.overlayd.peers.uapi;

import static dev.overlayd.peers.uapi.TestKeys.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.stream.Stream;
import dev.overlayd.noise.PresharedKey;
import dev.overlayd.peers.socket.UnixSocketServer;
import dev.overlayd.noise.PublicKey;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The real `wg` tool against a UnixSocketServer in /var/run/wireguard, backed by the fake device. No
 * kernel interface exists by that name: `wg` finds userspace interfaces by their socket alone.
 * Needs root (for /var/run/wireguard) and the wireguard-tools package; fails loudly without them.
 */
class UapiWgToolTest {
    @TempDir
    Path temp;

    private final FakeUapiDevice device = new FakeUapiDevice(fullSnapshot());
    // Unique per test, at most 15 characters, so that it can clash with nothing on the machine.
    private final String name = "ovu" + ThreadLocalRandom.current().nextInt(100_000_000, 1_000_000_000);
    private UnixSocketServer server;

    @BeforeEach
    void start() throws IOException {
        server = UapiProtocol.server(name, device, () -> {});
        server.start();
    }

    @AfterEach
    void stop() throws IOException {
        if (server != null) {
            server.close();
        }
        Path socket = UapiProtocol.DIRECTORY.resolve(name + ".sock");
        Files.deleteIfExists(socket);
        // A staging directory could only be left behind by a crash inside start(); never leave one.
        try (Stream<Path> entries = Files.list(UapiProtocol.DIRECTORY)) {
            for (Path leftover : entries.filter(p -> p.getFileName().toString().startsWith("." + name + ".")).toList()) {
                try (Stream<Path> tree = Files.walk(leftover)) {
                    for (Path p : tree.sorted(Comparator.reverseOrder()).toList()) {
                        Files.deleteIfExists(p);
                    }
                }
            }
        }
    }

    private WgTool.Result wg(String... args) throws IOException, InterruptedException {
        String[] command = new String[args.length + 1];
        command[0] = "wg";
        System.arraycopy(args, 0, command, 1, args.length);
        return WgTool.run(command);
    }

    private WgTool.Result wgOk(String... args) throws IOException, InterruptedException {
        WgTool.Result result = wg(args);
        assertEquals(0, result.exit(), result::toString);
        assertEquals("", result.stderr(), result::toString);
        return result;
    }

    @Test
    void showDumpPrintsTheSnapshot() throws Exception {
        String expected = String.join("\n",
                String.join("\t", PRIVATE.toBase64(), PRIVATE.publicKey().toBase64(), "12912", "0x80000001"),
                String.join("\t", PEER1.toBase64(), PSK1.toBase64(), "[abcd:23::33]:51820",
                        "192.168.4.4/32,fd00:0:0:1::/64", "1700000000", "2224", "38333", "off"),
                String.join("\t", PEER2.toBase64(), "(none)", "182.122.22.19:3233",
                        "192.168.4.6/32,10.0.0.0/8,::/0", "0", "9223372036854775808", "18446744073709551615", "111"),
                String.join("\t", PEER3.toBase64(), "(none)", "(none)", "(none)", "5", "0", "0", "25")) + "\n";
        assertEquals(expected, wgOk("show", name, "dump").stdout());
        assertTrue(device.applied.isEmpty());
    }

    @Test
    void showDumpOfAnEmptyDevice() throws Exception {
        server.close();
        server = UapiProtocol.server(name, new FakeUapiDevice(emptySnapshot()), () -> {});
        server.start();
        assertEquals("(none)\t(none)\t0\toff\n", wgOk("show", name, "dump").stdout());
    }

    @Test
    void showconfPrintsTheSnapshot() throws Exception {
        String expected = """
                [Interface]
                ListenPort = 12912
                FwMark = 0x80000001
                PrivateKey = %s

                [Peer]
                PublicKey = %s
                PresharedKey = %s
                AllowedIPs = 192.168.4.4/32, fd00:0:0:1::/64
                Endpoint = [abcd:23::33]:51820

                [Peer]
                PublicKey = %s
                AllowedIPs = 192.168.4.6/32, 10.0.0.0/8, ::/0
                Endpoint = 182.122.22.19:3233
                PersistentKeepalive = 111

                [Peer]
                PublicKey = %s
                PersistentKeepalive = 25
                """.formatted(PRIVATE.toBase64(), PEER1.toBase64(), PSK1.toBase64(), PEER2.toBase64(), PEER3.toBase64());
        assertEquals(expected, wgOk("showconf", name).stdout());
    }

    @Test
    void showInterfacesFindsTheSocket() throws Exception {
        assertTrue(List.of(wgOk("show", "interfaces").stdout().strip().split("\\s+")).contains(name));
    }

    @Test
    void setArrivesAsOneRequest() throws Exception {
        wgOk("set", name, "listen-port", "51999", "peer", PEER1.toBase64(), "allowed-ips", "100.64.0.2/32,fd00::2/128",
                "endpoint", "198.18.0.2:51820", "persistent-keepalive", "25");
        assertEquals(new SetRequest(null, 51999, null, false, List.of(
                new PeerChange(PEER1, false, false, null, endpoint("198.18.0.2", 51820), 25, true, List.of(
                        AllowedIpChange.add(prefix("100.64.0.2/32")), AllowedIpChange.add(prefix("fd00::2/128")))))),
                device.takeApplied());
        assertTrue(device.applied.isEmpty());
    }

    @Test
    void setRemovePeerAndPresharedKeyFile() throws Exception {
        Path psk = temp.resolve("psk");
        Files.writeString(psk, PSK1.toBase64() + "\n");
        wgOk("set", name, "fwmark", "off", "peer", PEER1.toBase64(), "remove", "peer", PEER2.toBase64(),
                "preshared-key", psk.toString(), "endpoint", "[2001:db8::7]:443");
        assertEquals(new SetRequest(null, null, 0, false, List.of(
                new PeerChange(PEER1, true, false, null, null, null, false, List.of()),
                new PeerChange(PEER2, false, false, PSK1, endpoint("2001:db8::7", 443), null, false, List.of()))),
                device.takeApplied());
    }

    @Test
    void setconfArrivesAsTheWholeConfiguration() throws Exception {
        Path config = temp.resolve(name + ".conf");
        Files.writeString(config, """
                [Interface]
                PrivateKey = %s
                ListenPort = 51820
                FwMark = 0x1234

                [Peer]
                PublicKey = %s
                PresharedKey = %s
                AllowedIPs = 10.0.0.0/24, fd00::/64
                Endpoint = 192.0.2.1:51820
                PersistentKeepalive = 25

                [Peer]
                PublicKey = %s
                AllowedIPs = 10.0.1.2/32
                Endpoint = [2001:db8::1]:51821
                """.formatted(PRIVATE.toBase64(), PEER1.toBase64(), PSK1.toBase64(), PEER2.toBase64()));
        wgOk("setconf", name, config.toString());
        assertEquals(new SetRequest(PRIVATE, 51820, 0x1234, true, List.of(
                new PeerChange(PEER1, false, false, PSK1, endpoint("192.0.2.1", 51820), 25, true, List.of(
                        AllowedIpChange.add(prefix("10.0.0.0/24")), AllowedIpChange.add(prefix("fd00::/64")))),
                new PeerChange(PEER2, false, false, null, endpoint("2001:db8::1", 51821), null, true, List.of(
                        AllowedIpChange.add(prefix("10.0.1.2/32")))))), device.takeApplied());
        assertTrue(device.applied.isEmpty());
    }

    @Test
    void syncconfRemovesOnlyThePeersTheFileDropped() throws Exception {
        // syncconf reads the device first (fullSnapshot: peers 1, 2 and 3) and sends only the difference.
        Path config = temp.resolve(name + ".conf");
        Files.writeString(config, """
                [Interface]
                PrivateKey = %s
                ListenPort = 12912

                [Peer]
                PublicKey = %s
                AllowedIPs = 192.168.4.4/32

                [Peer]
                PublicKey = %s
                """.formatted(PRIVATE.toBase64(), PEER1.toBase64(), PEER3.toBase64()));
        wgOk("syncconf", name, config.toString());
        SetRequest sent = device.takeApplied();
        assertFalse(sent.replacePeers(), sent::toString);
        List<PublicKey> removed = sent.peers().stream().filter(PeerChange::remove).map(PeerChange::publicKey).toList();
        assertEquals(List.of(PEER2), removed, sent::toString);
        List<PublicKey> kept = sent.peers().stream().filter(c -> !c.remove()).map(PeerChange::publicKey).toList();
        assertTrue(kept.containsAll(List.of(PEER1, PEER3)), sent::toString);
        PeerChange first = sent.peers().stream().filter(c -> c.publicKey().equals(PEER1)).findFirst().orElseThrow();
        assertTrue(first.replaceAllowedIps(), sent::toString);
        assertEquals(List.of(AllowedIpChange.add(prefix("192.168.4.4/32"))), first.allowedIps());
    }

    @Test
    void setconfOfAMinimalFileResetsPortAndFwmark() throws Exception {
        // Without ListenPort and FwMark, `wg setconf` still sends listen_port=0 and fwmark=0.
        Path config = temp.resolve(name + ".conf");
        Files.writeString(config, "[Interface]\nPrivateKey = " + PRIVATE.toBase64() + "\n");
        wgOk("setconf", name, config.toString());
        assertEquals(new SetRequest(PRIVATE, 0, 0, true, List.of()), device.takeApplied());
    }

    @Test
    void deviceErrorMakesWgFail() throws Exception {
        device.failWith(new UapiException(Errno.EADDRINUSE, "port taken"));
        WgTool.Result result = wg("set", name, "listen-port", "51999");
        assertNotEquals(0, result.exit(), result::toString);
        assertTrue(result.stderr().contains("Address already in use"), result::toString);
    }

    @Test
    void nonRootCannotConnect() throws Exception {
        // The socket is 0600: root's `wg` connects, nobody's does not.
        WgTool.Result result = WgTool.run("setpriv", "--reuid=65534", "--regid=65534", "--clear-groups",
                "wg", "show", name, "dump");
        assertNotEquals(0, result.exit(), result::toString);
        assertTrue(result.stderr().contains("Permission denied"), result::toString);
    }

    @Test
    void zeroPresharedKeyFromWgMeansNone() throws Exception {
        Path psk = temp.resolve("psk");
        Files.writeString(psk, PresharedKey.NONE.toBase64() + "\n");
        wgOk("set", name, "peer", PEER1.toBase64(), "preshared-key", psk.toString());
        assertEquals(PresharedKey.NONE, device.takeApplied().peers().getFirst().presharedKey());
    }
}
