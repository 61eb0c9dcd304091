package dev.overlayd.peers;

import java.net.InetSocketAddress;
import java.util.function.Consumer;
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
    /**
     * Below the 65,535-byte IP limit with room for the IPv6 and UDP headers: what datagrams may add
     * up to. A longer datagram (up to what one UDP datagram carries) is a batch of its own.
     */
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

    /**
     * Adds the datagram if it can join this batch; when it returns false, {@link #take()} and try
     * again. Datagrams longer than {@code maxSegment} never share a batch: the kernel refused to
     * segment them (see {@link NettyBind}).
     */
    boolean add(byte[] buf, int off, int len, InetSocketAddress destination, int maxSegment) {
        if (segments == 0) {
            // Most batches are a single datagram (a ping, a keepalive); bulk ones grow.
            int max = Math.max(len, MAX_BYTES);
            buffer = allocator.directBuffer(Math.min(len * 4, max), max);
            to = destination;
            segmentSize = len;
        } else if (segments == MAX_SEGMENTS || segmentSize > maxSegment || len > segmentSize
                || buffer.readableBytes() % segmentSize != 0 || buffer.readableBytes() + len > MAX_BYTES
                || !destination.equals(to)) {
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

    /** The gathered datagrams one message each, for a kernel that would not segment them; the batch is empty afterwards. */
    void takeApart(Consumer<DatagramPacket> out) {
        int start = buffer.readerIndex();
        int end = buffer.writerIndex();
        for (int at = start; at < end; at += segmentSize) {
            out.accept(new DatagramPacket(buffer.retainedSlice(at, Math.min(segmentSize, end - at)), to));
        }
        buffer.release();
        buffer = null;
        to = null;
        segments = 0;
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
