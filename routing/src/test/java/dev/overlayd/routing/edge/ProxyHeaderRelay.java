package dev.overlayd.routing.edge;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;

/**
 * A balancer for clients that cannot send a PROXY header themselves (openssl s_client): each
 * connection is relayed to the edge after a v1 header naming the client's own address.
 */
final class ProxyHeaderRelay implements AutoCloseable {
    private final ServerSocket listener;

    ProxyHeaderRelay(InetSocketAddress target) throws IOException {
        listener = new ServerSocket(0, 50, InetAddress.getLoopbackAddress());
        Thread.ofPlatform().daemon().start(() -> {
            try {
                while (true) {
                    Socket client = listener.accept();
                    Socket upstream = new Socket(target.getAddress(), target.getPort());
                    upstream.getOutputStream().write(("PROXY TCP4 " + client.getInetAddress().getHostAddress() + " "
                            + target.getAddress().getHostAddress() + " " + client.getPort() + " " + target.getPort()
                            + "\r\n").getBytes(StandardCharsets.US_ASCII));
                    Thread.ofPlatform().daemon().start(() -> pump(client, upstream));
                    Thread.ofPlatform().daemon().start(() -> pump(upstream, client));
                }
            } catch (IOException e) {
                // Closed.
            }
        });
    }

    int port() {
        return listener.getLocalPort();
    }

    private static void pump(Socket from, Socket to) {
        try (InputStream in = from.getInputStream(); OutputStream out = to.getOutputStream()) {
            in.transferTo(out);
        } catch (IOException e) {
            // Either side went.
        } finally {
            try {
                from.close();
                to.close();
            } catch (IOException e) {
                // Already closed.
            }
        }
    }

    @Override
    public void close() throws IOException {
        listener.close();
    }
}
