package dev.overlayd.tun;

/**
 * Where the IPv4, IPv6 and TCP header fields that segmentation and coalescing rewrite sit, and
 * big-endian access to them in a packet held in a byte array.
 */
final class IpHeaders {
    static final int IPV4_HEADER = 20;
    static final int IPV6_HEADER = 40;
    static final int TCP_HEADER = 20;

    static final int IPV4_TOTAL_LENGTH = 2;
    static final int IPV4_ID = 4;
    static final int IPV4_FRAGMENT = 6;
    static final int IPV4_TTL = 8;
    static final int IPV4_PROTOCOL = 9;
    static final int IPV4_CHECKSUM = 10;
    static final int IPV4_ADDRESSES = 12;
    static final int IPV6_PAYLOAD_LENGTH = 4;
    static final int IPV6_NEXT_HEADER = 6;
    static final int IPV6_HOP_LIMIT = 7;
    static final int IPV6_ADDRESSES = 8;

    static final int TCP_SEQ = 4;
    static final int TCP_ACK = 8;
    static final int TCP_DATA_OFFSET = 12;
    static final int TCP_FLAGS = 13;
    static final int TCP_CHECKSUM = 16;
    static final int UDP_CHECKSUM = 6;

    static final int TCP_FIN = 0x01;
    static final int TCP_PSH = 0x08;
    static final int TCP_ACK_FLAG = 0x10;
    static final int TCP_CWR = 0x80;

    /** MF and the fragment offset: set on every fragment but an unfragmented packet. */
    static final int IPV4_MORE_FRAGMENTS_AND_OFFSET = 0x3fff;

    private IpHeaders() {
    }

    static int u16(byte[] a, int off) {
        return (a[off] & 0xff) << 8 | (a[off + 1] & 0xff);
    }

    static void putU16(byte[] a, int off, int v) {
        a[off] = (byte) (v >>> 8);
        a[off + 1] = (byte) v;
    }

    static int i32(byte[] a, int off) {
        return (a[off] & 0xff) << 24 | (a[off + 1] & 0xff) << 16 | (a[off + 2] & 0xff) << 8 | (a[off + 3] & 0xff);
    }

    static void putI32(byte[] a, int off, int v) {
        a[off] = (byte) (v >>> 24);
        a[off + 1] = (byte) (v >>> 16);
        a[off + 2] = (byte) (v >>> 8);
        a[off + 3] = (byte) v;
    }

    /** Recomputes the IPv4 header checksum of the header at {@code ip}. */
    static void fillIpv4Checksum(byte[] a, int ip, int headerLength) {
        putU16(a, ip + IPV4_CHECKSUM, 0);
        putU16(a, ip + IPV4_CHECKSUM, InternetChecksum.finish(InternetChecksum.sum(a, ip, headerLength, 0)));
    }

    /**
     * Fills the TCP or UDP checksum of the packet at {@code ip} whose L4 header starts at {@code l4}
     * and which ends at {@code end}: pseudo-header and segment, the field zeroed first.
     */
    static void fillL4Checksum(byte[] a, int ip, int l4, int end, int protocol, int fieldOffset) {
        putU16(a, l4 + fieldOffset, 0);
        long sum = pseudoHeaderSum(a, ip, protocol, end - l4);
        putU16(a, l4 + fieldOffset, InternetChecksum.finish(InternetChecksum.sum(a, l4, end - l4, sum)));
    }

    /** True when the TCP or UDP checksum of the packet at {@code ip} (L4 from {@code l4} to {@code end}) is intact. */
    static boolean l4ChecksumValid(byte[] a, int ip, int l4, int end, int protocol) {
        long sum = pseudoHeaderSum(a, ip, protocol, end - l4);
        return InternetChecksum.fold(InternetChecksum.sum(a, l4, end - l4, sum)) == 0xffff;
    }

    static long pseudoHeaderSum(byte[] a, int ip, int protocol, int l4Length) {
        boolean v4 = (a[ip] & 0xf0) == 0x40;
        return InternetChecksum.pseudoHeaderSum(a, ip + (v4 ? IPV4_ADDRESSES : IPV6_ADDRESSES), v4 ? 4 : 16,
                protocol, l4Length);
    }
}
