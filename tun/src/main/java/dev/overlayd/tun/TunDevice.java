package dev.overlayd.tun;

import java.io.Closeable;
import java.io.IOException;

/**
 * A layer-3 tunnel device: whole IP packets in and out, no packet-information header. The kernel's
 * TUN in production, an in-memory one in tests that run without root.
 */
public interface TunDevice extends Closeable {

    String name();

    /**
     * Blocks for the next packet from the kernel and copies it to buf[off, ...); returns its length,
     * or -1 once the device was closed or its interface deleted.
     */
    int read(byte[] buf, int off, int len) throws IOException;

    /** Hands one IP packet to the kernel. */
    void write(byte[] buf, int off, int len) throws IOException;

    /** Closes the device; a thread blocked in {@link #read} returns -1. */
    @Override
    void close() throws IOException;
}
