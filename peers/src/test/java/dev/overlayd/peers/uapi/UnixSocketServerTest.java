package dev.overlayd.peers.uapi;

import static dev.overlayd.peers.uapi.TestKeys.*;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import dev.overlayd.peers.socket.UnixSocketServer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The socket server, in a directory of the test's own; `wg` itself is in UapiWgToolTest. */
class UnixSocketServerTest {
    @TempDir
    Path temp;

    private final FakeUapiDevice device = new FakeUapiDevice(fullSnapshot());
    private final List<UnixSocketServer> servers = new ArrayList<>();
    private final String name = "ovu" + ThreadLocalRandom.current().nextInt(100_000, 1_000_000);

    private static final java.util.Set<java.nio.file.attribute.PosixFilePermission> PUBLIC_DIRECTORY =
            PosixFilePermissions.fromString("rwxr-xr-x");

    private Path directory() {
        return temp.resolve("wireguard");
    }

    private UnixSocketServer server(Runnable onRemoved) {
        UnixSocketServer server = new UnixSocketServer("UAPI", directory(), PUBLIC_DIRECTORY, name, new UapiProtocol(device), onRemoved);
        servers.add(server);
        return server;
    }

    @AfterEach
    void closeServers() {
        // @TempDir removes the files; closing stops the threads.
        servers.forEach(UnixSocketServer::close);
    }

    @Test
    void socketIsPrivateAndTheDirectoryIsCreatedPublic() throws IOException {
        UnixSocketServer server = server(() -> {});
        server.start();
        assertEquals(directory().resolve(name + ".sock"), server.socketPath());
        assertEquals(PosixFilePermissions.fromString("rw-------"), Files.getPosixFilePermissions(server.socketPath()));
        assertEquals(PosixFilePermissions.fromString("rwxr-xr-x"), Files.getPosixFilePermissions(directory()));
        // The private staging directory is gone: only the socket is left.
        try (Stream<Path> entries = Files.list(directory())) {
            assertEquals(List.of(server.socketPath()), entries.toList());
        }
    }

    @Test
    void existingDirectoryKeepsItsMode() throws IOException {
        Files.createDirectories(directory());
        Files.setPosixFilePermissions(directory(), PosixFilePermissions.fromString("rwx--x---"));
        server(() -> {}).start();
        assertEquals(PosixFilePermissions.fromString("rwx--x---"), Files.getPosixFilePermissions(directory()));
    }

    @Test
    void servesSeveralOperationsPerConnectionAndSeveralConnections() throws Exception {
        UnixSocketServer server = server(() -> {});
        server.start();
        try (UnixClient first = new UnixClient(server.socketPath());
             UnixClient second = new UnixClient(server.socketPath())) {
            first.send("get=1\n\n");
            second.send("set=1\nlisten_port=4242\n\n");
            assertEquals("errno=0\n\n", second.readReply());
            String get = first.readReply();
            assertTrue(get.startsWith("private_key=" + PRIVATE_HEX + "\nlisten_port=12912\n"), get);
            assertTrue(get.endsWith("persistent_keepalive_interval=25\nerrno=0\n\n"), get);
            first.send("set=1\nfwmark=7\n\nset=1\nlisten_port=x\n\n");
            assertEquals("errno=0\n\n", first.readReply());
            assertEquals("errno=-22\n\n", first.readReply());
            assertEquals(4242, device.takeApplied().listenPort());
            assertEquals(7, device.takeApplied().fwmark());
        }
    }

    @Test
    void unknownOperationClosesTheConnection() throws Exception {
        UnixSocketServer server = server(() -> {});
        server.start();
        try (UnixClient client = new UnixClient(server.socketPath())) {
            client.send("bogus=1\nget=1\n\n");
            assertTrue(client.closedByServer());
        }
    }

    @Test
    void closeRemovesTheSocketAndCutsConnections() throws Exception {
        CountDownLatch removed = new CountDownLatch(1);
        UnixSocketServer server = server(removed::countDown);
        server.start();
        try (UnixClient client = new UnixClient(server.socketPath())) {
            client.send("get=1\n\n");
            client.readReply();
            server.close();
            assertFalse(Files.exists(server.socketPath()));
            assertTrue(client.closedByServer());
        }
        server.close();
        // Our own removal of the file is not a removal by someone else.
        assertFalse(removed.await(2500, TimeUnit.MILLISECONDS));
    }

    @Test
    void removingTheSocketFileIsNoticed() throws Exception {
        CountDownLatch removed = new CountDownLatch(1);
        UnixSocketServer server = server(removed::countDown);
        server.start();
        Files.delete(server.socketPath());
        assertTrue(removed.await(10, TimeUnit.SECONDS), "onSocketRemoved was not called");
    }

    @Test
    void replacingTheSocketFileIsNoticedAndTheNewFileIsLeftAlone() throws Exception {
        CountDownLatch removed = new CountDownLatch(1);
        UnixSocketServer server = server(removed::countDown);
        server.start();
        Files.delete(server.socketPath());
        Files.writeString(server.socketPath(), "someone else's");
        assertTrue(removed.await(10, TimeUnit.SECONDS), "onSocketRemoved was not called");
        server.close();
        assertEquals("someone else's", Files.readString(server.socketPath()));
    }

    @Test
    void onSocketRemovedMayCloseTheServer() throws Exception {
        CountDownLatch closed = new CountDownLatch(1);
        UnixSocketServer[] holder = new UnixSocketServer[1];
        holder[0] = server(() -> {
            holder[0].close();
            closed.countDown();
        });
        holder[0].start();
        Files.delete(holder[0].socketPath());
        assertTrue(closed.await(10, TimeUnit.SECONDS));
    }

    @Test
    void staleSocketIsReplaced() throws Exception {
        Files.createDirectories(directory());
        Path path = directory().resolve(name + ".sock");
        // A daemon that died without cleaning up: the file stays, nobody listens.
        try (ServerSocketChannel dead = ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
            dead.bind(UnixDomainSocketAddress.of(path));
        }
        assertTrue(Files.exists(path), "the JDK left the socket file behind, as a crashed daemon would");
        UnixSocketServer server = server(() -> {});
        server.start();
        try (UnixClient client = new UnixClient(path)) {
            client.send("set=1\nfwmark=1\n\n");
            assertEquals("errno=0\n\n", client.readReply());
        }
    }

    @Test
    void liveSocketIsNotTakenOver() throws Exception {
        CountDownLatch removed = new CountDownLatch(1);
        UnixSocketServer owner = server(removed::countDown);
        owner.start();
        UnixSocketServer intruder = server(() -> {});
        IOException e = assertThrows(IOException.class, intruder::start);
        assertTrue(e.getMessage().contains("already served by another process"), e.getMessage());
        intruder.close();
        // The owner keeps its socket and keeps answering.
        try (UnixClient client = new UnixClient(owner.socketPath())) {
            client.send("set=1\nfwmark=3\n\n");
            assertEquals("errno=0\n\n", client.readReply());
        }
        assertFalse(removed.await(2500, TimeUnit.MILLISECONDS));
    }

    @Test
    void somethingElseAtTheNameIsNotDeleted() throws Exception {
        Files.createDirectories(directory());
        Path path = directory().resolve(name + ".sock");
        Files.writeString(path, "not a socket");
        IOException e = assertThrows(IOException.class, server(() -> {})::start);
        assertTrue(e.getMessage().contains("not a socket"), e.getMessage());
        assertEquals("not a socket", Files.readString(path));
    }

    @Test
    void startTwiceIsAnError() throws IOException {
        UnixSocketServer server = server(() -> {});
        server.start();
        assertThrows(IllegalStateException.class, server::start);
    }

    @Test
    void interfaceNamesFollowLinuxRules() {
        for (String bad : new String[] {"", "a/b", "a b", "a:b", ".", "..", "sixteen-chars-xx"}) {
            assertThrows(IllegalArgumentException.class, () -> new UnixSocketServer("UAPI", temp, PUBLIC_DIRECTORY, bad, new UapiProtocol(device), () -> {}),
                    bad);
        }
        new UnixSocketServer("UAPI", temp, PUBLIC_DIRECTORY, "fifteen-chars-x", new UapiProtocol(device), () -> {});
    }
}
