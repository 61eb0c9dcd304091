package dev.overlayd.routing.discovery;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

/**
 * dockerd's socket as the registration reaches it, through a proxy the test can cut: every
 * connection closed (the event stream ends as when dockerd goes) and no new one taken until
 * {@link #resume}, while the test goes on using dockerd's own socket.
 */
final class SocketProxy implements AutoCloseable {
    private final Path listen;
    private final Path target;
    private final List<SocketChannel> open = new CopyOnWriteArrayList<>();
    private ServerSocketChannel server;

    SocketProxy(Path listen, Path target) throws IOException {
        this.listen = listen;
        this.target = target;
        resume();
    }

    Path socket() {
        return listen;
    }

    synchronized void resume() throws IOException {
        Files.deleteIfExists(listen);
        server = ServerSocketChannel.open(StandardProtocolFamily.UNIX).bind(UnixDomainSocketAddress.of(listen));
        ServerSocketChannel accepting = server;
        Thread.ofPlatform().daemon().start(() -> {
            try {
                while (true) {
                    SocketChannel client = accepting.accept();
                    SocketChannel upstream;
                    try {
                        upstream = SocketChannel.open(UnixDomainSocketAddress.of(target));
                    } catch (IOException e) {
                        client.close();
                        continue;
                    }
                    open.add(client);
                    open.add(upstream);
                    Thread.ofPlatform().daemon().start(() -> pump(client, upstream));
                    Thread.ofPlatform().daemon().start(() -> pump(upstream, client));
                }
            } catch (IOException e) {
                // cut
            }
        });
    }

    /** Closes every connection and the listener; the socket file goes, as a stopped dockerd's does. */
    synchronized void cut() throws IOException {
        server.close();
        Files.deleteIfExists(listen);
        for (SocketChannel c : open) {
            c.close();
        }
        open.clear();
    }

    private void pump(SocketChannel from, SocketChannel to) {
        ByteBuffer buffer = ByteBuffer.allocate(64 << 10);
        try {
            while (from.read(buffer) >= 0) {
                buffer.flip();
                while (buffer.hasRemaining()) {
                    to.write(buffer);
                }
                buffer.clear();
            }
        } catch (IOException e) {
            // closed on either side
        } finally {
            try {
                from.close();
                to.close();
            } catch (IOException e) {
                // already closed
            }
            open.remove(from);
            open.remove(to);
        }
    }

    @Override
    public void close() throws IOException {
        cut();
    }
}
