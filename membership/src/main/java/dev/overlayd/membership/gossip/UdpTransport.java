package dev.overlayd.membership.gossip;

import java.io.IOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedChannelException;
import java.nio.channels.DatagramChannel;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.logging.Level;
import java.util.logging.Logger;
import dev.overlayd.noise.Clock;
import dev.overlayd.noise.PublicKey;
import dev.overlayd.peers.Device;
import dev.overlayd.peers.Peer;
import dev.overlayd.peers.SideChannel;

/**
 * The transport in production: a UDP socket on this node's overlay address for gossip, which
 * WireGuard carries to the other nodes, and the device's own port, as a side channel, for joins.
 */
final class UdpTransport implements GossipTransport, SideChannel {
    private static final Logger LOG = Logger.getLogger(UdpTransport.class.getName());
    /** How long a leaving node waits for its departure to go out: a handshake and the send, with room. */
    private static final long LEAVE_GRACE_NANOS = 500_000_000L;

    private final Device device;
    private final InetSocketAddress local;
    private final Clock clock;
    private DatagramChannel socket;
    private volatile Receiver receiver;
    private volatile boolean closed;

    /** @param address this node's overlay address, already on the interface: gossip is sent from it */
    UdpTransport(Device device, InetAddress address, int port, Clock clock) {
        this.device = device;
        this.local = new InetSocketAddress(address, port);
        this.clock = clock;
    }

    @Override
    public void start(Receiver receiver) throws IOException {
        this.receiver = receiver;
        socket = DatagramChannel.open().bind(local);
        device.attach(this);
        Thread.ofPlatform().name(device.name() + "-gossip").daemon().start(this::read);
    }

    private void read() {
        // One buffer, reused: the receiver copies only what it keeps.
        ByteBuffer buf = ByteBuffer.allocate(65536);
        while (!closed) {
            try {
                buf.clear();
                InetSocketAddress from = (InetSocketAddress) socket.receive(buf);
                receiver.gossip(buf.array(), 0, buf.position(), from.getAddress());
            } catch (ClosedChannelException e) {
                return;
            } catch (IOException e) {
                if (!closed) {
                    LOG.warning("reading gossip: " + e.getMessage());
                }
            }
        }
    }

    @Override
    public byte type() {
        return JoinExchange.TYPE;
    }

    @Override
    public void receive(byte[] buf, int off, int len, InetSocketAddress from) {
        Receiver r = receiver;
        if (r != null && !closed) {
            r.join(buf, off, len, from);
        }
    }

    @Override
    public void sendGossip(byte[] message, InetAddress to) {
        try {
            socket.send(ByteBuffer.wrap(message), new InetSocketAddress(to, local.getPort()));
        } catch (IOException e) {
            LOG.fine("gossip to " + to + " not sent: " + e.getMessage());
        }
    }

    @Override
    public void sendJoin(byte[] message, InetSocketAddress to) {
        try {
            device.sendOther(message, to);
        } catch (IOException e) {
            LOG.fine("join message to " + to + " not sent: " + e.getMessage());
        }
    }

    /** A connected UDP socket sends nothing: connecting only asks the kernel for the route. */
    @Override
    public InetSocketAddress endpointTowards(InetSocketAddress target) throws IOException {
        try (DatagramSocket probe = new DatagramSocket()) {
            probe.connect(target);
            return new InetSocketAddress(probe.getLocalAddress(), device.listenPort());
        }
    }

    @Override
    public Map<PublicKey, Long> sent(List<PublicKey> peers) {
        Map<PublicKey, Long> out = new HashMap<>();
        for (PublicKey key : peers) {
            Peer peer = device.peer(key);
            if (peer != null) {
                out.put(key, peer.txBytes());
            }
        }
        return out;
    }

    /**
     * Waits, for {@link #LEAVE_GRACE_NANOS} at most, until every peer has sent at least {@code size}
     * more bytes: the departure goes through the kernel and the TUN, and the device must not close
     * before it has sealed and sent it (after a handshake, if it needs one).
     */
    @Override
    public void awaitSent(Map<PublicKey, Long> before, int size) {
        long deadline = clock.nanoTime() + LEAVE_GRACE_NANOS;
        while (before.entrySet().stream().anyMatch(e -> unsent(e.getKey(), e.getValue(), size))
                && clock.nanoTime() - deadline < 0) {
            try {
                Thread.sleep(5);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
    }

    private boolean unsent(PublicKey key, long before, int size) {
        Peer peer = device.peer(key);
        return peer != null && peer.txBytes() - before < size;
    }

    @Override
    public void close() {
        closed = true;
        if (socket != null) {
            try {
                socket.close();
            } catch (IOException e) {
                LOG.log(Level.FINE, "closing the gossip socket", e);
            }
        }
    }
}
