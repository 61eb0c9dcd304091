package dev.overlayd.peers;

import jnr.ffi.Memory;
import jnr.ffi.Pointer;

/**
 * Datagrams for one endpoint gathered into one buffer, to leave in one sendmsg with UDP GSO
 * (UDP_SEGMENT): the kernel cuts it into datagrams of the segment size. That needs every datagram
 * but the last to have the same length, which WireGuard's padding to 16 bytes makes the rule for
 * the full-sized packets of a bulk transfer. One per sending thread; not thread-safe.
 */
final class SendBatch {
    /** The kernel's UDP_MAX_SEGMENTS on older kernels; newer ones allow more. */
    static final int MAX_SEGMENTS = 64;
    /**
     * Below the 65,535-byte IP limit with room for the IPv6 and UDP headers: what datagrams may add
     * up to. A longer datagram (up to {@link #MAX_DATAGRAM}) is a batch of its own.
     */
    static final int MAX_BYTES = 65_000;
    /** What one IPv4 UDP datagram carries: a full-sized data message at {@link Device#MAX_MTU} fits. */
    static final int MAX_DATAGRAM = 65_535 - 20 - 8;

    private final Pointer buffer = Memory.allocateDirect(jnr.ffi.Runtime.getSystemRuntime(), MAX_DATAGRAM, true);
    private Endpoint to;
    private int length;
    private int segmentSize;
    private int segments;

    boolean isEmpty() {
        return segments == 0;
    }

    /**
     * Adds the datagram if it can join this batch; when it returns false, send the batch,
     * {@link #clear()} it and try again. Datagrams longer than {@code maxSegment} never share a
     * batch (0: none do): the kernel will not segment them (see {@link LinuxBind}).
     */
    boolean add(byte[] buf, int off, int len, Endpoint destination, int maxSegment) {
        if (segments == 0) {
            to = destination;
            segmentSize = len;
        } else if (segments == MAX_SEGMENTS || segmentSize > maxSegment || len > segmentSize
                || length % segmentSize != 0 || length + len > MAX_BYTES || destination != to) {
            // A shorter datagram may end a batch, but nothing may follow it.
            return false;
        }
        buffer.put(length, buf, off, len);
        length += len;
        segments++;
        return true;
    }

    void clear() {
        to = null;
        length = 0;
        segments = 0;
    }

    /** The native address of the gathered datagrams. */
    long address() {
        return buffer.address();
    }

    int length() {
        return length;
    }

    Endpoint destination() {
        return to;
    }

    int segmentSize() {
        return segmentSize;
    }

    int segments() {
        return segments;
    }
}
