package dev.overlayd.noise.interop;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Arrays;

/** IPv4 ICMP echo packets, built and read by the tests that push pings through a tunnel. */
record Ipv4Icmp(Inet4Address source, Inet4Address destination, int type, int identifier, int sequence,
                byte[] payload) {
    static final int ECHO_REPLY = 0;
    static final int ECHO_REQUEST = 8;
    private static final int IP_HEADER = 20;
    private static final int ICMP_HEADER = 8;

    byte[] encode() {
        int total = IP_HEADER + ICMP_HEADER + payload.length;
        byte[] p = new byte[total];
        p[0] = 0x45;
        p[2] = (byte) (total >>> 8);
        p[3] = (byte) total;
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

    /** Reads an ICMP echo packet from p[off, off+len), or null when it is something else or corrupt. */
    static Ipv4Icmp decode(byte[] p, int off, int len) {
        if (len < IP_HEADER + ICMP_HEADER || (p[off] & 0xff) != 0x45 || p[off + 9] != 1) {
            return null;
        }
        int total = getShort(p, off + 2);
        if (total > len || checksum(p, off, IP_HEADER) != 0 || checksum(p, off + IP_HEADER, total - IP_HEADER) != 0) {
            return null;
        }
        return new Ipv4Icmp(address(p, off + 12), address(p, off + 16), p[off + IP_HEADER] & 0xff,
                getShort(p, off + IP_HEADER + 4), getShort(p, off + IP_HEADER + 6),
                Arrays.copyOfRange(p, off + IP_HEADER + ICMP_HEADER, off + total));
    }

    Ipv4Icmp reply() {
        return new Ipv4Icmp(destination, source, ECHO_REPLY, identifier, sequence, payload);
    }

    static Inet4Address ip(String dotted) {
        try {
            return (Inet4Address) InetAddress.getByName(dotted);
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException(dotted, e);
        }
    }

    private static Inet4Address address(byte[] p, int off) {
        try {
            return (Inet4Address) InetAddress.getByAddress(Arrays.copyOfRange(p, off, off + 4));
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e);
        }
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

    private static int getShort(byte[] p, int off) {
        return ((p[off] & 0xff) << 8) | (p[off + 1] & 0xff);
    }

    private static void putShort(byte[] p, int off, int v) {
        p[off] = (byte) (v >>> 8);
        p[off + 1] = (byte) v;
    }
}
