package dev.overlayd.peers;

import java.io.Closeable;
import java.io.IOException;
import java.net.InetSocketAddress;

/**
 * The device's UDP transport: one port for IPv4 and IPv6. Netty's epoll transport in production,
 * an in-memory network in tests.
 */
public interface Bind extends Closeable {

    /** What the device does with each datagram; the buffer is valid only during the call. */
    @FunctionalInterface
    interface Receiver {
        void receive(byte[] buf, int off, int len, InetSocketAddress from);
    }

    /** Starts receiving on {@code port} (0: any free port); returns the port bound. */
    int open(int port, Receiver receiver) throws IOException;

    void send(byte[] buf, int off, int len, InetSocketAddress to) throws IOException;

    /** Stops receiving and frees the port; the bind can be opened again (a listen-port change). */
    @Override
    void close();
}
