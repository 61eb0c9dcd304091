package dev.overlayd.containers.driver;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The driver's socket file and a real HTTP client (curl) on it, over the fake host network. */
class PluginSocketTest {
    @TempDir
    Path dir;
    final FakeHostNetwork host = new FakeHostNetwork();

    private Driver start(Path socket) throws IOException {
        return Driver.start(socket, dir.resolve("state"), DriverCallsTest.SELF, new AtomicInteger(1420)::get, host, StartGate.OPEN);
    }

    static String curl(Path socket, String path, String body) throws IOException, InterruptedException {
        Process curl = new ProcessBuilder("curl", "-sS", "--unix-socket", socket.toString(), "-H",
                "Content-Type: application/json", "--data-binary", body, "http://plugin" + path)
                .redirectErrorStream(true).start();
        String out = new String(curl.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(0, curl.waitFor(), out);
        return out;
    }

    @Test
    void servesRootOnlyInADirectoryItCreatesAndRemovesTheSocketOnClose() throws Exception {
        Path socket = dir.resolve("plugins/overlayd.sock");
        try (Driver driver = start(socket)) {
            assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(socket)));
            assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(socket.getParent())));
            assertEquals(1, host.prepared);
            assertEquals("{\"Implements\":[\"NetworkDriver\",\"authz\"]}", curl(socket, "/Plugin.Activate", "null"));
            assertEquals("{\"Err\":\"no such call: /Nope\"}", curl(socket, "/Nope", "{}"));
            try (var left = Files.list(socket.getParent())) {
                assertEquals(1, left.count(), "the private name used while binding is gone");
            }
        }
        assertFalse(Files.exists(socket));
    }

    @Test
    void aStaleSocketIsReplacedALiveOneIsNot() throws Exception {
        Path socket = dir.resolve("overlayd.sock");
        // What a killed overlayd leaves: a socket file nobody listens on.
        ServerSocketChannel.open(StandardProtocolFamily.UNIX).bind(UnixDomainSocketAddress.of(socket)).close();
        assertTrue(Files.exists(socket));
        try (Driver driver = start(socket)) {
            assertEquals("{\"Scope\":\"local\",\"ConnectivityScope\":\"local\"}", curl(socket, "/NetworkDriver.GetCapabilities", ""));
            IOException refused = assertThrows(IOException.class, () -> start(socket));
            assertTrue(refused.getMessage().contains("another process serves the network driver"), refused.getMessage());
            assertEquals("{\"Scope\":\"local\",\"ConnectivityScope\":\"local\"}", curl(socket, "/NetworkDriver.GetCapabilities", ""));
        }
    }

    @Test
    void somethingElseAtTheSocketsNameIsLeftAlone() throws IOException {
        Path socket = dir.resolve("overlayd.sock");
        Files.writeString(socket, "not a socket");
        IOException refused = assertThrows(IOException.class, () -> start(socket));
        assertTrue(refused.getMessage().contains("is not a socket"), refused.getMessage());
        assertEquals("not a socket", Files.readString(socket));
    }
}
