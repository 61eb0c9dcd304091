package dev.overlayd.peers;

import java.io.Closeable;
import java.io.IOException;

/**
 * The device's UDP transport: one port for IPv4 and IPv6. A Linux socket in production
 * ({@link LinuxBind}), an in-memory network in tests.
 */
public interface Bind extends Closeable {

    /**
     * What the device does with each datagram; the buffer is valid only during the call. A bind
     * calls its receiver from one thread at a time, so the receiver may batch without locks.
     */
    @FunctionalInterface
    interface Receiver {
        /** {@code from} also names the local address the datagram came to, where replies should leave from. */
        void receive(byte[] buf, int off, int len, Endpoint from);

        /**
         * The datagrams that were waiting have all been received: what the receiver holds back to
         * pass on in batches (packets for the TUN) must go now.
         */
        default void endOfBatch() {}
    }

    /** Starts receiving on {@code port} (0: any free port); returns the port bound. */
    int open(int port, Receiver receiver) throws IOException;

    /**
     * Queues one datagram; it may leave only at the next {@link #flush()} from the same thread, so
     * that a burst leaves in as few system calls as the bind can manage. The buffer may be reused
     * as soon as this returns.
     */
    void send(byte[] buf, int off, int len, Endpoint to) throws IOException;

    /** Sends what this thread queued. Binds that send at once need not do anything. */
    default void flush() {}

    /** Stops receiving and frees the port; the bind can be opened again (a listen-port change). */
    @Override
    void close();
}
