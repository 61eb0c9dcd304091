package dev.overlayd.tun;

import java.net.Inet4Address;
import java.net.InetAddress;

/** IPv4 ICMP echo packets with correct checksums, for the round trip through the kernel. */
final class IcmpEcho {
    static final int ECHO_REPLY = 0;
    static final int ECHO_REQUEST = 8;
    private static final int IP_HEADER = 20;
    private static final int ICMP_HEADER = 8;

    private IcmpEcho() {
    }

    static byte[] request(String source, String destination, int identifier, int sequence, byte[] payload) {
        int total = IP_HEADER + ICMP_HEADER + payload.length;
        byte[] p = new byte[total];
        p[0] = 0x45;
        putShort(p, 2, total);
        p[8] = 64;
        p[9] = 1;
        System.arraycopy(ipv4(source), 0, p, 12, 4);
        System.arraycopy(ipv4(destination), 0, p, 16, 4);
        putShort(p, 10, checksum(p, 0, IP_HEADER));
        p[IP_HEADER] = ECHO_REQUEST;
        putShort(p, IP_HEADER + 4, identifier);
        putShort(p, IP_HEADER + 6, sequence);
        System.arraycopy(payload, 0, p, IP_HEADER + ICMP_HEADER, payload.length);
        putShort(p, IP_HEADER + 2, checksum(p, IP_HEADER, total - IP_HEADER));
        return p;
    }

    /** True when p[0, len) is an intact ICMPv4 echo reply, whatever its addresses. */
    static boolean isReply(byte[] p, int len) {
        return len >= IP_HEADER + ICMP_HEADER && (p[0] & 0xff) == 0x45 && p[9] == 1
                && getShort(p, 2) == len && checksum(p, 0, IP_HEADER) == 0
                && p[IP_HEADER] == ECHO_REPLY && checksum(p, IP_HEADER, len - IP_HEADER) == 0;
    }

    static byte[] ipv4(String dotted) {
        return ((Inet4Address) InetAddress.ofLiteral(dotted)).getAddress();
    }

    static int getShort(byte[] p, int off) {
        return ((p[off] & 0xff) << 8) | (p[off + 1] & 0xff);
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
