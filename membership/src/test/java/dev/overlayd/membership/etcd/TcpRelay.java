package dev.overlayd.membership.etcd;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A TCP relay on 127.0.0.1 in front of etcd, for a node that must lose etcd while the others keep it:
 * {@link #cut} drops every connection and refuses new ones, as a network partition would.
 */
final class TcpRelay implements AutoCloseable {
    private final InetSocketAddress target;
    private final ServerSocket server;
    private final Set<Socket> open = ConcurrentHashMap.newKeySet();
    private final AtomicLong fromTarget = new AtomicLong();
    private final AtomicLong toTarget = new AtomicLong();
    private volatile boolean cut;

    TcpRelay(URI target) throws IOException {
        this.target = new InetSocketAddress(target.getHost(), target.getPort());
        this.server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread.ofVirtual().name("relay to " + target).start(this::accept);
    }

    URI url() {
        return URI.create("http://127.0.0.1:" + server.getLocalPort());
    }

    /** The bytes etcd sent through the relay so far, TCP payload only. */
    long bytesFromTarget() {
        return fromTarget.get();
    }

    /** The bytes sent to etcd through the relay so far, TCP payload only. */
    long bytesToTarget() {
        return toTarget.get();
    }

    void cut() {
        cut = true;
        open.forEach(TcpRelay::closeQuietly);
    }

    void restore() {
        cut = false;
    }

    @Override
    public void close() {
        cut();
        closeQuietly(server);
    }

    private void accept() {
        while (!server.isClosed()) {
            Socket client;
            try {
                client = server.accept();
            } catch (IOException closed) {
                return;
            }
            try {
                if (cut) {
                    throw new IOException("cut off");
                }
                Socket upstream = new Socket(target.getAddress(), target.getPort());
                open.add(client);
                open.add(upstream);
                Thread.ofVirtual().start(() -> pump(client, upstream, toTarget));
                Thread.ofVirtual().start(() -> pump(upstream, client, fromTarget));
            } catch (IOException e) {
                // Cut off, or etcd refused: the client sees its connection close.
                closeQuietly(client);
            }
        }
    }

    private void pump(Socket from, Socket to, AtomicLong count) {
        try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
            byte[] buffer = new byte[16384];
            for (int n; (n = in.read(buffer)) >= 0; ) {
                out.write(buffer, 0, n);
                count.addAndGet(n);
            }
        } catch (IOException closed) {
            // Either side went away: both are closed below.
        } finally {
            closeQuietly(to);
            open.remove(from);
            open.remove(to);
        }
    }

    private static void closeQuietly(AutoCloseable closeable) {
        try {
            closeable.close();
        } catch (Exception e) {
            // Closing is all that is asked.
        }
    }
}
