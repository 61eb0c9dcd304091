package dev.overlayd.noise.interop;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.net.StandardProtocolFamily;
import java.nio.channels.DatagramChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import dev.overlayd.noise.Clock;
import dev.overlayd.noise.CookieChecker;
import dev.overlayd.noise.CookieGenerator;
import dev.overlayd.noise.Handshake;
import dev.overlayd.noise.Keypair;
import dev.overlayd.noise.PrivateKey;
import dev.overlayd.noise.Rejection;
import dev.overlayd.noise.StaticIdentity;
import dev.overlayd.noise.TransportCipher;
import dev.overlayd.noise.message.HandshakeInitiation;
import dev.overlayd.noise.message.HandshakeResponse;
import dev.overlayd.noise.message.MessageType;
import dev.overlayd.noise.message.TransportHeader;
import dev.overlayd.testing.IcmpEcho;
import dev.overlayd.testing.Netns;

/**
 * Byte-level compatibility with a real peer: wireguard-go (configured by the stock `wg`) in a
 * network namespace of its own, its TUN addressed 100.64.0.1/24, and this test as the peer
 * 100.64.0.2 over UDP on the namespace's loopback. Pings cross the tunnel in both directions, with
 * each side as the handshake initiator, and the kernel behind wireguard-go answers them.
 *
 * <p>Needs root, wireguard-go and wireguard-tools (.ci/run installs them); without them it fails,
 * it does not skip.
 */
class WireGuardGoInteropTest {
    private static final int WG_PORT = 51820;
    private static final int MTU = 1420;
    private static final int TIMEOUT_MS = 10_000;

    private static final SecureRandom RANDOM = new SecureRandom();
    private static Netns netns;
    private static Process wireguardGo;
    private static Path workDir;
    private static String iface;
    private static StaticIdentity theirs;
    private static DatagramChannel channel;

    private StaticIdentity ours;
    private Handshake handshake;
    private CookieGenerator cookies;
    private CookieChecker checker;
    private final TransportCipher cipher = TransportCipher.create();

    @BeforeAll
    static void startWireguardGo() throws Exception {
        for (String tool : new String[] {"wireguard-go", "wg", "ip", "ping"}) {
            if (Netns.run("sh", "-c", "command -v " + tool + " || true").isBlank()) {
                fail(tool + " is not installed: install the Debian packages wireguard-go, wireguard-tools, iproute2 and iputils-ping (.ci/run does)");
            }
        }
        workDir = Files.createTempDirectory("overlayd-interop");
        netns = Netns.create("ovn-");
        netns.exec("ip", "link", "set", "lo", "up");
        iface = "wgn" + netns.name().substring(4);
        wireguardGo = new ProcessBuilder(netns.inside("wireguard-go", "-f", iface))
                .redirectErrorStream(true)
                .redirectOutput(workDir.resolve("wireguard-go.log").toFile())
                .start();
        Path socket = Path.of("/var/run/wireguard", iface + ".sock");
        for (int i = 0; i < 100 && !Files.exists(socket); i++) {
            assertTrue(wireguardGo.isAlive(), () -> "wireguard-go exited: " + log());
            Thread.sleep(50);
        }
        assertTrue(Files.exists(socket), () -> "wireguard-go made no UAPI socket: " + log());

        theirs = StaticIdentity.generate(RANDOM);
        Path keyFile = Files.createFile(workDir.resolve("wg.key"),
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        Files.writeString(keyFile, theirs.privateKey().toBase64() + "\n");
        netns.exec("wg", "set", iface, "private-key", keyFile.toString(), "listen-port", String.valueOf(WG_PORT));
        netns.exec("ip", "addr", "add", "100.64.0.1/24", "dev", iface);
        netns.exec("ip", "link", "set", iface, "up", "mtu", String.valueOf(MTU));
        channel = netns.open(() -> DatagramChannel.open(StandardProtocolFamily.INET));
        channel.bind(new InetSocketAddress("127.0.0.1", 0));
        channel.socket().setSoTimeout(TIMEOUT_MS);
    }

    @AfterAll
    static void stopWireguardGo() throws Exception {
        if (wireguardGo != null) {
            wireguardGo.destroy();
            if (!wireguardGo.waitFor(5, TimeUnit.SECONDS)) {
                wireguardGo.destroyForcibly().waitFor();
            }
        }
        if (netns != null) {
            netns.close();
            Files.deleteIfExists(Path.of("/var/run/wireguard", iface + ".sock"));
        }
        if (workDir != null) {
            try (var files = Files.list(workDir)) {
                for (Path p : files.toList()) {
                    Files.delete(p);
                }
            }
            Files.delete(workDir);
        }
    }

    /** Each test is a new peer to wireguard-go, so it starts without a session. */
    @BeforeEach
    void newPeer() throws Exception {
        ours = StaticIdentity.generate(RANDOM);
        String peers = netns.exec("wg", "show", iface, "peers").strip();
        for (String old : peers.isEmpty() ? new String[0] : peers.split("\n")) {
            netns.exec("wg", "set", iface, "peer", old, "remove");
        }
        netns.exec("wg", "set", iface, "peer", ours.publicKey().toBase64(), "allowed-ips", "100.64.0.2/32",
                "endpoint", "127.0.0.1:" + ((InetSocketAddress) channel.getLocalAddress()).getPort());
        drainStaleDatagrams();
        handshake = new Handshake(ours, theirs.publicKey(), Clock.SYSTEM, RANDOM);
        cookies = new CookieGenerator(theirs.publicKey(), Clock.SYSTEM);
        checker = new CookieChecker(ours.publicKey(), Clock.SYSTEM, RANDOM);
    }

    @Test
    void weInitiateAndTheKernelBehindWireguardGoAnswersOurPing() throws Exception {
        HandshakeInitiation initiation = handshake.createInitiation(RANDOM.nextInt()).value();
        cookies.addMacs(initiation);
        InetSocketAddress peer = new InetSocketAddress("127.0.0.1", WG_PORT);
        send(initiation.bytes(), initiation.bytes().length, peer);

        DatagramPacket datagram = receive();
        assertEquals(MessageType.RESPONSE, MessageType.classify(datagram.getData(), 0, datagram.getLength()));
        HandshakeResponse response = HandshakeResponse.decode(datagram.getData(), 0, datagram.getLength()).value();
        assertTrue(checker.mac1Valid(response), "wireguard-go's mac1 on its response must check with our key");
        assertTrue(handshake.consumeResponse(response).isAccepted());
        Keypair keypair = handshake.beginSession().value();

        byte[] marker = "overlayd->wireguard-go".getBytes(StandardCharsets.US_ASCII);
        IcmpEcho request = IcmpEcho.request("100.64.0.2", "100.64.0.1", 0x4f56, 1, marker);
        sendData(keypair, request.encode(), peer);

        IcmpEcho reply = receivePacket(keypair);
        assertEquals(IcmpEcho.ECHO_REPLY, reply.type());
        assertEquals(request.destination(), reply.source());
        assertEquals(request.source(), reply.destination());
        assertEquals(request.identifier(), reply.identifier());
        assertEquals(request.sequence(), reply.sequence());
        assertArrayEquals(marker, reply.payload());
    }

    @Test
    void wireguardGoInitiatesAndItsPingsAreAnswered() throws Exception {
        Process ping = new ProcessBuilder(netns.inside("ping", "-c", "3", "-i", "0.3", "-W", "5", "100.64.0.2"))
                .redirectErrorStream(true).start();
        try {
            Keypair keypair = null;
            int repliesSent = 0;
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
            while (ping.isAlive() && System.nanoTime() < deadline) {
                DatagramPacket datagram;
                try {
                    datagram = receive();
                } catch (SocketTimeoutException e) {
                    break;
                }
                byte[] d = datagram.getData();
                int len = datagram.getLength();
                int type = MessageType.classify(d, 0, len);
                if (type == MessageType.INITIATION) {
                    keypair = respond(HandshakeInitiation.decode(d, 0, len).value(),
                            (InetSocketAddress) datagram.getSocketAddress());
                } else if (type == MessageType.TRANSPORT) {
                    assertNotNull(keypair, "data before any handshake");
                    assertEquals(keypair.localIndex(), TransportHeader.receiver(d, 0));
                    int n = keypair.open(cipher, d, 0, len, System.nanoTime());
                    assertTrue(n >= 0, () -> "open failed: " + Rejection.ofCode(n));
                    IcmpEcho request = IcmpEcho.decode(d, TransportHeader.LENGTH, n);
                    if (request != null && request.type() == IcmpEcho.ECHO_REQUEST) {
                        sendData(keypair, request.reply().encode(), (InetSocketAddress) datagram.getSocketAddress());
                        repliesSent++;
                    }
                } else {
                    fail("unexpected message: classify gave " + type);
                }
            }
            assertTrue(ping.waitFor(10, TimeUnit.SECONDS), "ping did not finish");
            String output = new String(ping.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertEquals(0, ping.exitValue(), () -> "ping through wireguard-go to us failed:\n" + output);
            assertEquals(3, repliesSent);
            assertFalse(keypair.isInitiator());
        } finally {
            ping.destroyForcibly();
        }
    }

    private Keypair respond(HandshakeInitiation initiation, InetSocketAddress from) throws IOException {
        assertTrue(checker.check(initiation, CookieChecker.source(from), false).isAccepted(),
                "wireguard-go's mac1 on its initiation must check with our key");
        var consumed = Handshake.consumeInitiation(ours, initiation,
                key -> key.equals(theirs.publicKey()) ? handshake : null);
        assertTrue(consumed.isAccepted(), () -> "initiation rejected: " + consumed.rejection());
        HandshakeResponse response = handshake.createResponse(RANDOM.nextInt()).value();
        cookies.addMacs(response);
        send(response.bytes(), response.bytes().length, from);
        return handshake.beginSession().value();
    }

    private void sendData(Keypair keypair, byte[] packet, InetSocketAddress to) throws IOException {
        byte[] buf = new byte[TransportHeader.LENGTH + packet.length + 16 + TransportCipher.TAG_LENGTH];
        System.arraycopy(packet, 0, buf, TransportHeader.LENGTH, packet.length);
        int len = keypair.seal(cipher, buf, 0, packet.length, MTU, System.nanoTime());
        assertTrue(len > 0, () -> "seal failed: " + Rejection.ofCode(len));
        send(buf, len, to);
    }

    /** The next ICMP packet from the tunnel, skipping keepalives. */
    private IcmpEcho receivePacket(Keypair keypair) throws IOException {
        while (true) {
            DatagramPacket datagram = receive();
            byte[] d = datagram.getData();
            assertEquals(MessageType.TRANSPORT, MessageType.classify(d, 0, datagram.getLength()));
            int n = keypair.open(cipher, d, 0, datagram.getLength(), System.nanoTime());
            assertTrue(n >= 0, () -> "open failed: " + Rejection.ofCode(n));
            if (n > 0) {
                IcmpEcho packet = IcmpEcho.decode(d, TransportHeader.LENGTH, n);
                assertNotNull(packet, "not an ICMP echo packet");
                return packet;
            }
        }
    }

    private static void send(byte[] bytes, int len, InetSocketAddress to) throws IOException {
        channel.socket().send(new DatagramPacket(bytes, len, to));
    }

    private static DatagramPacket receive() throws IOException {
        DatagramPacket packet = new DatagramPacket(new byte[65535], 65535);
        channel.socket().receive(packet);
        return packet;
    }

    /** The previous test's peer may have sent more (keepalives, late pings) before it was removed. */
    private static void drainStaleDatagrams() throws IOException {
        channel.socket().setSoTimeout(100);
        try {
            while (true) {
                receive();
            }
        } catch (SocketTimeoutException expected) {
            channel.socket().setSoTimeout(TIMEOUT_MS);
        }
    }

    private static String log() {
        try {
            return Files.readString(workDir.resolve("wireguard-go.log"));
        } catch (IOException e) {
            return "(no log: " + e.getMessage() + ")";
        }
    }
}
