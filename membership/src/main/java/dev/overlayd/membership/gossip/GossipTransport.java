package dev.overlayd.membership.gossip;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Map;
import dev.overlayd.noise.PublicKey;

/**
 * What a node's gossip travels over: the gossip socket inside the overlay, and the join side
 * channel on the device's UDP port. {@link UdpTransport} in production; tests join nodes in one
 * process through one of their own.
 */
interface GossipTransport extends AutoCloseable {
    /**
     * Where received datagrams go, on the transport's own threads. The buffer is valid only during
     * the call: whatever is kept is copied.
     */
    interface Receiver {
        /** A datagram on the gossip port, from {@code from}'s overlay address. */
        void gossip(byte[] buf, int off, int len, InetAddress from);

        /** A join message on the device's port. */
        void join(byte[] buf, int off, int len, InetSocketAddress from);
    }

    /** Starts receiving. */
    void start(Receiver receiver) throws IOException;

    /** Sends a gossip datagram to a member's overlay address. */
    void sendGossip(byte[] message, InetAddress to);

    /** Sends a join message from the device's port. */
    void sendJoin(byte[] message, InetSocketAddress to);

    /**
     * This node's own WireGuard endpoint as seen on its route towards {@code target}: its local
     * address on that route and the device's port. What a node publishes when not told.
     */
    InetSocketAddress endpointTowards(InetSocketAddress target) throws IOException;

    /** How much has been sent to each of these peers so far: what {@link #awaitSent} counts from. */
    Map<PublicKey, Long> sent(List<PublicKey> peers);

    /**
     * Waits a little, until {@code bytes} more than {@code before} have been sent to each peer: a
     * departure just sent must leave before the device closes.
     */
    void awaitSent(Map<PublicKey, Long> before, int bytes);

    @Override
    void close();
}
