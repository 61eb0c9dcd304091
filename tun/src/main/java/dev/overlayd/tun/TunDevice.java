package dev.overlayd.tun;

import java.io.Closeable;
import java.io.IOException;

/**
 * A layer-3 tunnel device: whole IP packets in and out, no packet-information header. The kernel's
 * TUN in production, an in-memory one in tests that run without root.
 *
 * <p>Packets move in {@link PacketBatch}es so that a TUN with offloads can hand over a TCP super-packet
 * as the segments it stands for, and take a batch's segments back as super-packets, while its users
 * only ever see plain IP packets.
 */
public interface TunDevice extends Closeable {

    String name();

    /**
     * Blocks for the next packets from the kernel and puts them in {@code batch}, replacing what it
     * held: one packet, or the segments of one super-packet (as many as fit; the rest come with the
     * next read). Returns how many, or -1 once the device was closed or its interface deleted. A packet
     * longer than the batch's slots is dropped and counted, never truncated.
     */
    int read(PacketBatch batch) throws IOException;

    /**
     * Hands every packet of the batch to the kernel, coalescing TCP segments where the device's
     * offloads allow. Returns how many packets the kernel refused (counted in {@link #counters()}); the
     * rest still went.
     *
     * @throws IOException once the device was closed or its interface deleted
     */
    int write(PacketBatch batch) throws IOException;

    /**
     * Hands one IP packet to the kernel as it is, for a caller that receives packets one at a time.
     *
     * @throws IOException when the kernel refuses it, or the device is closed or gone
     */
    void write(byte[] buf, int off, int len) throws IOException;

    TunCounters counters();

    /** Closes the device; a thread blocked in {@link #read} returns -1. */
    @Override
    void close() throws IOException;
}
