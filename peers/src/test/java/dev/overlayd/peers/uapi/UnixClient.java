package dev.overlayd.peers.uapi;

import java.io.IOException;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/** A raw UAPI client over the Unix socket, to talk to a server without `wg` in between. */
final class UnixClient implements AutoCloseable {
    private final SocketChannel channel;
    private final StringBuilder pending = new StringBuilder();

    UnixClient(Path socket) throws IOException {
        channel = SocketChannel.open(UnixDomainSocketAddress.of(socket));
    }

    void send(String text) throws IOException {
        ByteBuffer buffer = ByteBuffer.wrap(text.getBytes(StandardCharsets.US_ASCII));
        while (buffer.hasRemaining()) {
            channel.write(buffer);
        }
    }

    /** Everything up to and including the next "errno=N\n\n", which ends every reply. */
    String readReply() throws IOException {
        while (true) {
            int errno = pending.indexOf("errno=");
            int end = errno < 0 ? -1 : pending.indexOf("\n\n", errno);
            if (end >= 0) {
                String reply = pending.substring(0, end + 2);
                pending.delete(0, end + 2);
                return reply;
            }
            if (!readMore()) {
                throw new IOException("connection closed before a whole reply; got: " + pending);
            }
        }
    }

    /** Whether the server closed the connection (after handing over anything it still sent). */
    boolean closedByServer() throws IOException {
        return !readMore();
    }

    private boolean readMore() throws IOException {
        ByteBuffer buffer = ByteBuffer.allocate(4096);
        int n = channel.read(buffer);
        if (n < 0) {
            return false;
        }
        pending.append(new String(buffer.array(), 0, n, StandardCharsets.US_ASCII));
        return true;
    }

    @Override
    public void close() throws IOException {
        channel.close();
    }
}
