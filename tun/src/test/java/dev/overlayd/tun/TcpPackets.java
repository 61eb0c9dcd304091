package dev.overlayd.tun;

import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;

/**
 * TCP/IP packets and TSO super-packets built field by field for the offload tests, with checksums of
 * this class's own (a plain 16-bit word sum), so that the code under test is checked against an
 * independent computation rather than against itself.
 */
final class TcpPackets {
    static final int ACK = 0x10;
    static final int PSH = 0x08;
    static final int FIN = 0x01;
    static final int SYN = 0x02;
    static final int CWR = 0x80;
    /** A timestamp option as Linux sends it: NOP, NOP, kind 8 length 10, TSval, TSecr. */
    static final byte[] TIMESTAMPS = {1, 1, 8, 10, 0, 0, 0x12, 0x34, 0, 0, 0x56, 0x78};

    private TcpPackets() {
    }

    /** The fields of one TCP packet; {@link #build()} makes its bytes with valid checksums. */
    static final class Spec {
        boolean v6;
        byte[] source = address("100.64.0.1");
        byte[] destination = address("100.64.0.2");
        int sourcePort = 40000;
        int destinationPort = 5201;
        int seq = 0x10000000;
        int ack = 0x20000000;
        int flags = ACK;
        int window = 502;
        byte[] options = TIMESTAMPS;
        byte[] payload = new byte[0];
        int id = 0x1000;
        int tos;
        int ttl = 64;
        int ipOptionWords;

        static Spec v4() {
            return new Spec();
        }

        static Spec v6() {
            Spec s = new Spec();
            s.v6 = true;
            s.source = address("fd00:64::1");
            s.destination = address("fd00:64::2");
            return s;
        }

        Spec copy() {
            Spec s = new Spec();
            s.v6 = v6;
            s.source = source;
            s.destination = destination;
            s.sourcePort = sourcePort;
            s.destinationPort = destinationPort;
            s.seq = seq;
            s.ack = ack;
            s.flags = flags;
            s.window = window;
            s.options = options;
            s.payload = payload;
            s.id = id;
            s.tos = tos;
            s.ttl = ttl;
            s.ipOptionWords = ipOptionWords;
            return s;
        }

        int ipLength() {
            return v6 ? 40 : 20 + 4 * ipOptionWords;
        }

        int tcpLength() {
            return 20 + options.length;
        }

        byte[] build() {
            int ip = ipLength();
            int total = ip + tcpLength() + payload.length;
            byte[] p = new byte[total];
            if (v6) {
                p[0] = 0x60;
                p[1] = (byte) (tos >> 4);
                putShort(p, 4, total - 40);
                p[6] = 6;
                p[7] = (byte) ttl;
                System.arraycopy(source, 0, p, 8, 16);
                System.arraycopy(destination, 0, p, 24, 16);
            } else {
                p[0] = (byte) (0x40 | (ip / 4));
                p[1] = (byte) tos;
                putShort(p, 2, total);
                putShort(p, 4, id);
                p[6] = 0x40;
                p[8] = (byte) ttl;
                p[9] = 6;
                System.arraycopy(source, 0, p, 12, 4);
                System.arraycopy(destination, 0, p, 16, 4);
                for (int i = 20; i < ip; i++) {
                    p[i] = 1;
                }
                putShort(p, 10, checksum(p, 0, ip, 0));
            }
            putShort(p, ip, sourcePort);
            putShort(p, ip + 2, destinationPort);
            putInt(p, ip + 4, seq);
            putInt(p, ip + 8, ack);
            p[ip + 12] = (byte) ((tcpLength() / 4) << 4);
            p[ip + 13] = (byte) flags;
            putShort(p, ip + 14, window);
            System.arraycopy(options, 0, p, ip + 20, options.length);
            System.arraycopy(payload, 0, p, ip + tcpLength(), payload.length);
            putShort(p, ip + 16, checksum(p, ip, total - ip, pseudoHeader(p, 0, total - ip)));
            return p;
        }
    }

    /**
     * A TSO super-packet as a TUN with offloads hands it over: virtio header (GSO, NEEDS_CSUM,
     * csum_start at the TCP header, offset 16) and the packet, its TCP checksum field holding the folded
     * pseudo-header sum of the whole. Returned in big-endian order, as the packet is.
     */
    static ByteBuffer superPacket(Spec spec, int gsoSize, boolean ecn) {
        byte[] p = spec.build();
        int ip = spec.ipLength();
        long pseudo = pseudoHeader(p, 0, p.length - ip);
        putShort(p, ip + 16, (int) fold(pseudo));
        ByteBuffer b = ByteBuffer.allocate(VirtioNetHeader.LENGTH + p.length).order(ByteOrder.nativeOrder());
        b.put(0, (byte) 1);
        b.put(1, (byte) ((spec.v6 ? 4 : 1) | (ecn ? 0x80 : 0)));
        b.putShort(2, (short) (ip + spec.tcpLength()));
        b.putShort(4, (short) gsoSize);
        b.putShort(6, (short) ip);
        b.putShort(8, (short) 16);
        b.put(VirtioNetHeader.LENGTH, p);
        return b.order(ByteOrder.BIG_ENDIAN);
    }

    /** {@code count} consecutive full segments of one flow, {@code size} random payload bytes each. */
    static Spec[] segments(Spec first, int count, int size, long seed) {
        java.util.Random random = new java.util.Random(seed);
        Spec[] specs = new Spec[count];
        for (int i = 0; i < count; i++) {
            Spec s = first.copy();
            s.seq = first.seq + i * size;
            s.id = first.id + i;
            s.payload = new byte[size];
            random.nextBytes(s.payload);
            specs[i] = s;
        }
        return specs;
    }

    static byte[] concatPayloads(Spec[] specs) {
        int total = Arrays.stream(specs).mapToInt(s -> s.payload.length).sum();
        byte[] all = new byte[total];
        int at = 0;
        for (Spec s : specs) {
            System.arraycopy(s.payload, 0, all, at, s.payload.length);
            at += s.payload.length;
        }
        return all;
    }

    static byte[] address(String literal) {
        return InetAddress.ofLiteral(literal).getAddress();
    }

    /** True when the packet's IPv4 header (if any) and TCP checksums are intact, by this class's own sums. */
    static boolean checksumsValid(byte[] p, int off, int len) {
        boolean v6 = (p[off] & 0xf0) == 0x60;
        int ip = v6 ? 40 : (p[off] & 0xf) * 4;
        if (!v6 && checksum(p, off, ip, 0) != 0) {
            return false;
        }
        return checksum(p, off + ip, len - ip, pseudoHeader(p, off, len - ip)) == 0;
    }

    static long pseudoHeader(byte[] p, int off, int tcpLength) {
        boolean v6 = (p[off] & 0xf0) == 0x60;
        long sum = 6 + tcpLength;
        int at = off + (v6 ? 8 : 12);
        for (int i = 0; i < (v6 ? 32 : 8); i += 2) {
            sum += getShort(p, at + i);
        }
        return sum;
    }

    /** The complemented one's-complement sum of p[off, off+len) started at {@code initial}, 16 bits at a time. */
    static int checksum(byte[] p, int off, int len, long initial) {
        long sum = initial;
        for (int i = 0; i + 1 < len; i += 2) {
            sum += getShort(p, off + i);
        }
        if ((len & 1) != 0) {
            sum += (p[off + len - 1] & 0xff) << 8;
        }
        return (int) (~fold(sum) & 0xffff);
    }

    static long fold(long sum) {
        while ((sum >>> 16) != 0) {
            sum = (sum & 0xffff) + (sum >>> 16);
        }
        return sum;
    }

    static int getShort(byte[] p, int off) {
        return ((p[off] & 0xff) << 8) | (p[off + 1] & 0xff);
    }

    static int getInt(byte[] p, int off) {
        return getShort(p, off) << 16 | getShort(p, off + 2);
    }

    static void putShort(byte[] p, int off, int v) {
        p[off] = (byte) (v >>> 8);
        p[off + 1] = (byte) v;
    }

    static void putInt(byte[] p, int off, int v) {
        putShort(p, off, v >>> 16);
        putShort(p, off + 2, v);
    }
}
