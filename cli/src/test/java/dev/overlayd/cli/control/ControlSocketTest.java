package dev.overlayd.cli.control;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.List;
import java.util.Map;
import com.fasterxml.jackson.databind.JsonNode;
import dev.overlayd.node.control.ControlProtocol;
import dev.overlayd.node.control.InterfaceStatus;
import dev.overlayd.node.control.PeerIdentity;
import dev.overlayd.node.control.PeerStatus;
import dev.overlayd.node.control.StatusReporter;
import dev.overlayd.node.control.Verdict;
import dev.overlayd.noise.Clock;
import dev.overlayd.noise.PrivateKey;
import dev.overlayd.noise.PublicKey;
import dev.overlayd.peers.Device;
import dev.overlayd.peers.IpPrefix;
import dev.overlayd.peers.Peer;
import dev.overlayd.peers.Timing;
import dev.overlayd.peers.socket.UnixSocketServer;
import dev.overlayd.tun.MemoryTun;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The daemon's control socket and overlayctl's client, over a real Unix socket in a directory of the test's own. */
class ControlSocketTest {
    @TempDir
    Path temp;

    private final SecureRandom random = new SecureRandom();
    private final PublicKey named = PrivateKey.generate(random).publicKey();
    private final PublicKey unnamed = PrivateKey.generate(random).publicKey();
    private Device device;
    private UnixSocketServer server;
    private ControlClient client;

    @BeforeEach
    void serve() throws IOException {
        device = new Device(new MemoryTun("ovc0"), new NoBind(), Clock.SYSTEM, Timing.PROTOCOL);
        device.setPrivateKey(PrivateKey.generate(random));
        Peer db = device.addPeer(named);
        device.setEndpoint(db, new InetSocketAddress("198.18.0.7", 51820));
        device.addAllowedIp(db, IpPrefix.parse("100.64.0.7/32"));
        device.addAllowedIp(db, IpPrefix.parse("fd00::7/128"));
        device.addPeer(unnamed);
        StatusReporter reporter = new StatusReporter(device, Map.of(named, PeerIdentity.named("db"))::get, Clock.SYSTEM);
        ControlProtocol protocol = new ControlProtocol();
        protocol.add("peers", argument -> reporter.status());
        protocol.add("echo", argument -> Map.of("heard", argument));
        protocol.add("fail", argument -> {
            throw new IOException("it failed");
        });
        server = ControlProtocol.server(directory(), "ovc0", protocol);
        server.start();
        client = new ControlClient(directory());
    }

    private Path directory() {
        return temp.resolve("overlayd");
    }

    @AfterEach
    void stop() {
        server.close();
        device.close();
    }

    @Test
    void theSocketIsRootOnly() throws IOException {
        assertEquals(PosixFilePermissions.fromString("rw-------"), Files.getPosixFilePermissions(server.socketPath()));
        assertEquals(PosixFilePermissions.fromString("rwx------"), Files.getPosixFilePermissions(directory()));
    }

    @Test
    void peersReportsEveryPeerInTheOrderAdded() throws ControlException {
        InterfaceStatus status = client.peers("ovc0");
        assertEquals("ovc0", status.name());
        assertEquals(device.identity().publicKey().toBase64(), status.publicKey());
        assertEquals(2, status.peers().size());

        PeerStatus db = status.peers().get(0);
        assertEquals("db", db.name());
        assertEquals(named.toBase64(), db.publicKey());
        assertEquals("198.18.0.7:51820", db.endpoint());
        assertEquals(List.of("100.64.0.7/32", "fd00::7/128"), db.allowedIps());
        assertNull(db.latestHandshake());
        assertNull(db.secondsSinceHandshake());
        assertEquals(Verdict.NEVER_CONNECTED, db.verdict());
        assertEquals(Map.of(), db.drops());

        PeerStatus other = status.peers().get(1);
        assertNull(other.name());
        assertNull(other.endpoint());
        assertEquals(List.of(), other.allowedIps());
    }

    @Test
    void interfacesAreFoundByTheirSockets() throws ControlException {
        assertEquals(List.of("ovc0"), client.interfaces());
        assertEquals(List.of(), new ControlClient(temp.resolve("absent")).interfaces());
    }

    @Test
    void anUnknownCommandGetsAnErrorAndTheConnectionCloses() throws IOException {
        try (SocketChannel channel = SocketChannel.open(UnixDomainSocketAddress.of(server.socketPath()))) {
            channel.write(ByteBuffer.wrap("reboot\n".getBytes(StandardCharsets.US_ASCII)));
            String reply = new String(Channels.newInputStream(channel).readAllBytes(), StandardCharsets.UTF_8);
            assertEquals("{\"error\":\"unknown command\"}\n", reply);
        }
    }

    @Test
    void aRegisteredCommandGetsItsArgumentAndItsFailureIsTheError() throws ControlException {
        assertEquals("a b", client.request("ovc0", "echo  a b ", JsonNode.class).get("heard").asText());
        assertEquals("", client.request("ovc0", "echo", JsonNode.class).get("heard").asText());
        ControlException e = assertThrows(ControlException.class, () -> client.request("ovc0", "fail", JsonNode.class));
        assertEquals("ovc0: the daemon refused: it failed", e.getMessage());
    }

    @Test
    void aCommandNameIsTakenOnce() {
        ControlProtocol protocol = new ControlProtocol();
        protocol.add("peers", argument -> "first");
        assertThrows(IllegalArgumentException.class, () -> protocol.add("peers", argument -> "second"));
        assertThrows(IllegalArgumentException.class, () -> protocol.add("two words", argument -> "x"));
    }

    @Test
    void anEndlessCommandIsCutShortAndTheServerCarriesOn() throws Exception {
        try (SocketChannel channel = SocketChannel.open(UnixDomainSocketAddress.of(server.socketPath()))) {
            channel.write(ByteBuffer.wrap("x".repeat(70_000).getBytes(StandardCharsets.US_ASCII)));
            // The server answers and closes with the rest unread, which may reach us as a reset instead.
            try {
                String reply = new String(Channels.newInputStream(channel).readAllBytes(), StandardCharsets.UTF_8);
                assertEquals("{\"error\":\"command too long\"}\n", reply);
            } catch (java.net.SocketException reset) {
                assertTrue(reset.getMessage().contains("reset"), reset.getMessage());
            }
        }
        assertEquals(2, client.peers("ovc0").peers().size());
    }

    @Test
    void aMissingDaemonIsSaidPlainly() {
        ControlException e = assertThrows(ControlException.class, () -> client.peers("ovc9"));
        assertEquals("no overlayd serves ovc9 (no socket at " + directory().resolve("ovc9.sock") + ")", e.getMessage());
    }

    @Test
    void aDeadDaemonsSocketIsSaidPlainly() throws IOException {
        Path stale = directory().resolve("ovc8.sock");
        try (ServerSocketChannel dead = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            dead.bind(UnixDomainSocketAddress.of(stale));
        }
        ControlException e = assertThrows(ControlException.class, () -> client.peers("ovc8"));
        assertTrue(e.getMessage().startsWith("overlayd for ovc8 is not running (stale socket"), e.getMessage());
    }

    /** The device is never brought up here: nothing is sent. */
    static final class NoBind implements dev.overlayd.peers.Bind {
        @Override
        public int open(int port, Receiver receiver) {
            return port;
        }

        @Override
        public void send(byte[] buf, int off, int len, dev.overlayd.peers.Endpoint to) {}

        @Override
        public void close() {}
    }
}
