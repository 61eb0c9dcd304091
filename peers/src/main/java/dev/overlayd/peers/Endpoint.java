package dev.overlayd.peers;

import java.net.InetAddress;
import java.net.InetSocketAddress;

/**
 * Where a peer is, and the local address its datagrams last arrived on: replies leave from that
 * address (the "sticky" source, as in wireguard-go and the kernel module), so that a host with
 * several addresses answers from the one the peer sent to and the peer does not roam to another.
 * The source is only a hint: the bind clears it when the address is gone and lets the kernel
 * choose again, until the peer's next datagram brings a new one.
 */
public final class Endpoint {
    private final InetSocketAddress address;
    private volatile InetAddress source;

    public Endpoint(InetSocketAddress address, InetAddress source) {
        this.address = address;
        this.source = source;
    }

    /** An endpoint that was configured rather than heard from: the kernel picks the source. */
    public Endpoint(InetSocketAddress address) {
        this(address, null);
    }

    public InetSocketAddress address() {
        return address;
    }

    /** The local address to send from, or null to let the kernel choose. */
    public InetAddress source() {
        return source;
    }

    /** The source is no longer one of this host's addresses. */
    void clearSource() {
        source = null;
    }

    @Override
    public String toString() {
        InetAddress s = source;
        return s == null ? address.toString() : address + " from " + s.getHostAddress();
    }
}
