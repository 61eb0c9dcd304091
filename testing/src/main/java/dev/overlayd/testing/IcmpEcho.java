package dev.overlayd.testing;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Arrays;

/**
 * IPv4 ICMP echo packets with correct checksums, built and read by the tests that push pings
 * through a TUN or a tunnel for a kernel to answer.
 */
public record IcmpEcho(Inet4Address source, Inet4Address destination, int type, int identifier, int sequence,
                       byte[] payload) {
    public static final int ECHO_REPLY = 0;
    public static final int ECHO_REQUEST = 8;
    private static final int IP_HEADER = 20;
    private static final int ICMP_HEADER = 8;

    public static IcmpEcho request(String source, String destination, int identifier, int sequence, byte[] payload) {
        return new IcmpEcho(ip(source), ip(destination), ECHO_REQUEST, identifier, sequence, payload);
    }

    public byte[] encode() {
        int total = IP_HEADER + ICMP_HEADER + payload.length;
        byte[] p = new byte[total];
        p[0] = 0x45;
        putShort(p, 2, total);
        p[8] = 64;
        p[9] = 1;
        System.arraycopy(source.getAddress(), 0, p, 12, 4);
        System.arraycopy(destination.getAddress(), 0, p, 16, 4);
        putShort(p, 10, checksum(p, 0, IP_HEADER));
        p[IP_HEADER] = (byte) type;
        putShort(p, IP_HEADER + 4, identifier);
        putShort(p, IP_HEADER + 6, sequence);
        System.arraycopy(payload, 0, p, IP_HEADER + ICMP_HEADER, payload.length);
        putShort(p, IP_HEADER + 2, checksum(p, IP_HEADER, total - IP_HEADER));
        return p;
    }

    /** Reads an intact ICMPv4 packet from p[off, off+len), or null when it is something else or corrupt. */
    public static IcmpEcho decode(byte[] p, int off, int len) {
        if (len < IP_HEADER + ICMP_HEADER || (p[off] & 0xff) != 0x45 || p[off + 9] != 1) {
            return null;
        }
        int total = getShort(p, off + 2);
        if (total < IP_HEADER + ICMP_HEADER || total > len || checksum(p, off, IP_HEADER) != 0
                || checksum(p, off + IP_HEADER, total - IP_HEADER) != 0) {
            return null;
        }
        return new IcmpEcho(address(p, off + 12), address(p, off + 16), p[off + IP_HEADER] & 0xff,
                getShort(p, off + IP_HEADER + 4), getShort(p, off + IP_HEADER + 6),
                Arrays.copyOfRange(p, off + IP_HEADER + ICMP_HEADER, off + total));
    }

    /** True when p[0, len) is exactly one intact ICMPv4 echo reply, whatever its addresses. */
    public static boolean isReply(byte[] p, int len) {
        IcmpEcho packet = decode(p, 0, len);
        return packet != null && packet.type == ECHO_REPLY && getShort(p, 2) == len;
    }

    /** The answer a kernel would give to this request. */
    public IcmpEcho reply() {
        return new IcmpEcho(destination, source, ECHO_REPLY, identifier, sequence, payload);
    }

    public static Inet4Address ip(String dotted) {
        return (Inet4Address) InetAddress.ofLiteral(dotted);
    }

    public static int getShort(byte[] p, int off) {
        return ((p[off] & 0xff) << 8) | (p[off + 1] & 0xff);
    }

    private static Inet4Address address(byte[] p, int off) {
        try {
            return (Inet4Address) InetAddress.getByAddress(Arrays.copyOfRange(p, off, off + 4));
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }

    private static void putShort(byte[] p, int off, int v) {
        p[off] = (byte) (v >>> 8);
        p[off + 1] = (byte) v;
    }

    private static int checksum(byte[] p, int off, int len) {
        long sum = 0;
        for (int i = 0; i + 1 < len; i += 2) {
            sum += getShort(p, off + i);
        }
        if ((len & 1) != 0) {
            sum += (p[off + len - 1] & 0xff) << 8;
        }
        while ((sum >>> 16) != 0) {
            sum = (sum & 0xffff) + (sum >>> 16);
        }
        return (int) (~sum & 0xffff);
    }
}
