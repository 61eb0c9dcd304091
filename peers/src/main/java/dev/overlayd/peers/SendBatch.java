package dev.overlayd.peers;

import java.net.InetSocketAddress;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.channel.socket.DatagramPacket;
import io.netty.channel.unix.SegmentedDatagramPacket;

/**
 * Datagrams for one destination gathered into one buffer, to leave in one sendmsg with UDP GSO
 * (UDP_SEGMENT): the kernel cuts it into datagrams of the segment size. That needs every datagram
 * but the last to have the same length, which WireGuard's padding to 16 bytes makes the rule for
 * the full-sized packets of a bulk transfer. One per sending thread; not thread-safe.
 */
final class SendBatch {
    /** The kernel's UDP_MAX_SEGMENTS on older kernels; newer ones allow more. */
    static final int MAX_SEGMENTS = 64;
    /** Below the 65,535-byte IP limit with room for the IPv6 and UDP headers. */
    static final int MAX_BYTES = 65_000;

    private final ByteBufAllocator allocator;
    private ByteBuf buffer;
    private InetSocketAddress to;
    private int segmentSize;
    private int segments;
    /** Whether datagrams were handed to the channel since the last flush. */
    boolean unflushed;

    SendBatch(ByteBufAllocator allocator) {
        this.allocator = allocator;
    }

    boolean isEmpty() {
        return segments == 0;
    }

    /** Adds the datagram if it can join this batch; when it returns false, {@link #take()} and try again. */
    boolean add(byte[] buf, int off, int len, InetSocketAddress destination) {
        if (segments == 0) {
            // Most batches are a single datagram (a ping, a keepalive); bulk ones grow.
            buffer = allocator.directBuffer(len * 4, MAX_BYTES);
            to = destination;
            segmentSize = len;
        } else if (segments == MAX_SEGMENTS || len > segmentSize || buffer.readableBytes() % segmentSize != 0
                || buffer.readableBytes() + len > MAX_BYTES || !destination.equals(to)) {
            // A shorter datagram may end a batch, but nothing may follow it.
            return false;
        }
        buffer.writeBytes(buf, off, len);
        segments++;
        return true;
    }

    /** The gathered datagrams as one message for the channel; the batch is empty afterwards. */
    DatagramPacket take() {
        DatagramPacket packet = segments == 1 ? new DatagramPacket(buffer, to)
                : new SegmentedDatagramPacket(buffer, segmentSize, to);
        buffer = null;
        to = null;
        segments = 0;
        return packet;
    }

    /** The gathered datagrams, still owned by the batch. */
    ByteBuf buffer() {
        return buffer;
    }

    InetSocketAddress destination() {
        return to;
    }

    int segmentSize() {
        return segmentSize;
    }

    int segments() {
        return segments;
    }
}
