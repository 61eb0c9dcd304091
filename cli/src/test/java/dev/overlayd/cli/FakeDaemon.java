package dev.overlayd.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.CompletableFuture;
import picocli.CommandLine;

/**
 * A control directory where a fake daemon answers one command at a time as a plugin of the daemon
 * does, and overlayctl run against it, its output kept: a test's fixture.
 */
final class FakeDaemon {
    private final Path directory;
    private final StringWriter out = new StringWriter();

    FakeDaemon(Path directory) {
        this.directory = directory;
    }

    /** Serves one request on wg0.sock with {@code reply}; completes with the command line it was sent. */
    CompletableFuture<String> answer(String reply) throws IOException {
        // The last command's socket, as a daemon that restarts finds it.
        Files.deleteIfExists(directory.resolve("wg0.sock"));
        ServerSocketChannel server = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
        server.bind(UnixDomainSocketAddress.of(directory.resolve("wg0.sock")));
        return CompletableFuture.supplyAsync(() -> {
            try (server; SocketChannel client = server.accept()) {
                ByteBuffer line = ByteBuffer.allocate(256);
                while (client.read(line) > 0 && line.get(line.position() - 1) != '\n') {
                    // until the end of the command line
                }
                client.write(ByteBuffer.wrap(reply.getBytes(StandardCharsets.UTF_8)));
                return new String(line.array(), 0, line.position(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new RuntimeException(e);
            }
        });
    }

    /** Runs overlayctl with the control sockets in this directory; its exit status. */
    int overlayctl(String... args) {
        Overlayctl overlayctl = new Overlayctl();
        overlayctl.controlDirectory = directory;
        CommandLine cli = Overlayctl.commandLine(overlayctl);
        cli.setOut(new PrintWriter(out));
        cli.setErr(new PrintWriter(new StringWriter()));
        return cli.execute(args);
    }

    /** What overlayctl has printed so far. */
    String output() {
        return out.toString();
    }
}
