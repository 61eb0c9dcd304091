package dev.overlayd.tun;

import java.util.Objects;

/**
 * A reusable set of packet slots that {@link TunDevice#read(PacketBatch)} fills and
 * {@link TunDevice#write(PacketBatch)} drains. Each slot is a heap array holding one plain IP packet at
 * offset {@link #headroom()}, with room for {@link #maxPacket()} bytes and {@link #tailroom()} more
 * behind them: the device seals a WireGuard message in place, its header in the headroom and its
 * padding and tag in the tailroom, so no packet is copied between the TUN and the cipher.
 *
 * <p>Not thread-safe: one thread fills a batch and hands it on.
 */
public final class PacketBatch {
    private final int headroom;
    private final int maxPacket;
    private final int tailroom;
    private final byte[][] slots;
    private final int[] lengths;
    private int size;

    /**
     * @param capacity  how many packets one batch holds
     * @param headroom  free bytes in front of every packet
     * @param maxPacket the longest packet a slot holds; a TUN drops (and counts) a longer one
     * @param tailroom  free bytes behind the longest packet
     */
    public PacketBatch(int capacity, int headroom, int maxPacket, int tailroom) {
        if (capacity < 1 || headroom < 0 || maxPacket < 1 || tailroom < 0) {
            throw new IllegalArgumentException("capacity and maxPacket must be positive, headroom and tailroom not negative");
        }
        this.headroom = headroom;
        this.maxPacket = maxPacket;
        this.tailroom = tailroom;
        this.slots = new byte[capacity][headroom + maxPacket + tailroom];
        this.lengths = new int[capacity];
    }

    public int capacity() {
        return slots.length;
    }

    public int headroom() {
        return headroom;
    }

    public int maxPacket() {
        return maxPacket;
    }

    public int tailroom() {
        return tailroom;
    }

    /** How many packets the batch holds, in slots 0 to size()-1. */
    public int size() {
        return size;
    }

    public boolean isFull() {
        return size == slots.length;
    }

    /**
     * Slot {@code i}'s array, packet at {@link #headroom()}. Any slot below the capacity, so that the
     * next one ({@code buffer(size())}) can be filled in place before {@link #add(int)}.
     */
    public byte[] buffer(int i) {
        return slots[i];
    }

    /** The length of packet {@code i} (below {@link #size()}). */
    public int length(int i) {
        Objects.checkIndex(i, size);
        return lengths[i];
    }

    /** Empties the batch; the slots keep their arrays. */
    public void clear() {
        size = 0;
    }

    /** Takes in the packet of {@code length} bytes already placed at {@link #headroom()} in {@code buffer(size())}. */
    public void add(int length) {
        requireRoom();
        Objects.checkIndex(length, maxPacket + 1);
        lengths[size++] = length;
    }

    /** Copies a packet into the next slot. */
    public void add(byte[] packet, int off, int len) {
        Objects.checkFromIndexSize(off, len, packet.length);
        if (len > maxPacket) {
            throw new IllegalArgumentException("packet of " + len + " bytes exceeds the slot's " + maxPacket);
        }
        requireRoom();
        System.arraycopy(packet, off, buffer(size), headroom, len);
        add(len);
    }

    private void requireRoom() {
        if (size == slots.length) {
            throw new IllegalStateException("the batch is full (" + slots.length + " packets)");
        }
    }
}
