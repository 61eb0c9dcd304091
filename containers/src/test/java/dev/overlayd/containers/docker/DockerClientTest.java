package dev.overlayd.containers.docker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What the agent logs once when dockerd is not there: the socket and the reason, in words. */
class DockerClientTest {
    @TempDir
    Path temp;

    @Test
    void noSocketAndAStaleOneAreSaidPlainly() throws IOException {
        Path missing = temp.resolve("docker.sock");
        try (DockerClient client = new DockerClient(missing)) {
            IOException e = assertThrows(IOException.class, client::negotiate);
            assertEquals("cannot connect to dockerd at " + missing + ": no such socket (dockerd is not running?)", e.getMessage());
        }
        Path stale = temp.resolve("stale.sock");
        ServerSocketChannel.open(StandardProtocolFamily.UNIX).bind(UnixDomainSocketAddress.of(stale)).close();
        try (DockerClient client = new DockerClient(stale)) {
            IOException e = assertThrows(IOException.class, client::negotiate);
            assertEquals("cannot connect to dockerd at " + stale + ": connection refused (dockerd is not running)", e.getMessage());
        }
    }
}
