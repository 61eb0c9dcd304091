package dev.overlayd.tun;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;

/**
 * The 10-byte {@code struct virtio_net_hdr} (include/uapi/linux/virtio_net.h) that starts every read
 * and write on a TUN opened with IFF_VNET_HDR: how the packet behind it is to be checksummed and
 * segmented. Fields are in host byte order, as the kernel keeps them for a TUN without TUNSETVNETBE.
 * Mutable and reused, so that decoding one per packet allocates nothing.
 */
final class VirtioNetHeader {
    static final int LENGTH = 10;

    /** The L4 checksum is partial: complete it from {@link #csumStart}, its field at {@link #csumOffset}. */
    static final int F_NEEDS_CSUM = 1;
    static final int GSO_NONE = 0;
    static final int GSO_TCPV4 = 1;
    static final int GSO_TCPV6 = 4;
    /** Or'ed into the GSO type when the super-packet carries CWR, which belongs on the first segment only. */
    static final int GSO_ECN = 0x80;

    private static final boolean LITTLE_ENDIAN = ByteOrder.nativeOrder() == ByteOrder.LITTLE_ENDIAN;

    int flags;
    int gsoType;
    int hdrLen;
    int gsoSize;
    int csumStart;
    int csumOffset;

    void decode(ByteBuffer b, int off) {
        flags = b.get(off) & 0xff;
        gsoType = b.get(off + 1) & 0xff;
        hdrLen = u16(b, off + 2);
        gsoSize = u16(b, off + 4);
        csumStart = u16(b, off + 6);
        csumOffset = u16(b, off + 8);
    }

    void encode(ByteBuffer b, int off) {
        b.put(off, (byte) flags);
        b.put(off + 1, (byte) gsoType);
        putU16(b, off + 2, hdrLen);
        putU16(b, off + 4, gsoSize);
        putU16(b, off + 6, csumStart);
        putU16(b, off + 8, csumOffset);
    }

    /** The header of a packet that needs nothing done: no partial checksum, no segmentation. */
    void clear() {
        flags = 0;
        gsoType = GSO_NONE;
        hdrLen = 0;
        gsoSize = 0;
        csumStart = 0;
        csumOffset = 0;
    }

    private static int u16(ByteBuffer b, int off) {
        int first = b.get(off) & 0xff;
        int second = b.get(off + 1) & 0xff;
        return LITTLE_ENDIAN ? first | second << 8 : first << 8 | second;
    }

    private static void putU16(ByteBuffer b, int off, int v) {
        b.put(off, (byte) (LITTLE_ENDIAN ? v : v >>> 8));
        b.put(off + 1, (byte) (LITTLE_ENDIAN ? v >>> 8 : v));
    }
}
