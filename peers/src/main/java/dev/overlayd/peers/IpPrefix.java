package dev.overlayd.peers;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Arrays;
import com.google.common.net.InetAddresses;

/**
 * An IPv4 or IPv6 prefix such as 100.64.0.0/10, with its host bits cleared: WireGuard masks every
 * allowed IP it is given, so 100.64.0.7/24 and 100.64.0.0/24 are the same entry.
 */
public record IpPrefix(byte[] address, int bits) {

    public IpPrefix {
        if (address.length != 4 && address.length != 16) {
            throw new IllegalArgumentException("an IP address has 4 or 16 bytes, not " + address.length);
        }
        if (bits < 0 || bits > address.length * 8) {
            throw new IllegalArgumentException("prefix length " + bits + " out of range for IPv" + (address.length == 4 ? 4 : 6));
        }
        address = masked(address, bits);
    }

    /**
     * The address bytes (4 or 16), host bits cleared. A copy: the record must stay immutable, since its
     * equals/hashCode depend on the contents.
     */
    @Override
    public byte[] address() {
        return address.clone();
    }

    public static IpPrefix of(InetAddress address, int bits) {
        return new IpPrefix(address.getAddress(), bits);
    }

    /**
     * Parses "a.b.c.d/n", "v6::/n", or a bare address (a host prefix). Throws with a message on bad input.
     * An IPv4-mapped IPv6 address such as "::ffff:10.0.0.1/128" stays IPv6 (as in WireGuard), and zone ids
     * ("fe80::1%eth0") are rejected rather than silently dropped.
     */
    public static IpPrefix parse(String text) {
        String s = text.strip();
        int slash = s.indexOf('/');
        String host = slash < 0 ? s : s.substring(0, slash);
        if (host.indexOf('%') >= 0 || !InetAddresses.isInetAddress(host)) {
            throw new IllegalArgumentException("not an IP address: " + text);
        }
        byte[] bytes = InetAddresses.forString(host).getAddress();
        if (bytes.length == 4 && host.indexOf(':') >= 0) {
            // InetAddress turns ::ffff:a.b.c.d into an Inet4Address; keep the family that was written.
            byte[] mapped = new byte[16];
            mapped[10] = (byte) 0xff;
            mapped[11] = (byte) 0xff;
            System.arraycopy(bytes, 0, mapped, 12, 4);
            bytes = mapped;
        }
        int max = bytes.length * 8;
        int bits;
        if (slash < 0) {
            bits = max;
        } else {
            String len = s.substring(slash + 1);
            if (len.isEmpty() || len.length() > 3 || !len.chars().allMatch(c -> c >= '0' && c <= '9')) {
                throw new IllegalArgumentException("not a prefix length: " + text);
            }
            bits = Integer.parseInt(len);
        }
        if (bits > max) {
            throw new IllegalArgumentException("prefix length out of range: " + text);
        }
        return new IpPrefix(bytes, bits);
    }

    public boolean isIpv4() {
        return address.length == 4;
    }

    /** The network address; an IPv6 prefix gives an Inet6Address even when it is IPv4-mapped. */
    public InetAddress inetAddress() {
        try {
            return address.length == 16 ? Inet6Address.getByAddress(null, address, -1) : InetAddress.getByAddress(address);
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }

    /** Whether {@code ip} (4 or 16 bytes) lies inside this prefix. */
    public boolean contains(byte[] ip) {
        if (ip.length != address.length) {
            return false;
        }
        return Arrays.equals(masked(ip, bits), address);
    }

    /** Whether the two share any address: the shorter one then holds the longer one's network. */
    public boolean overlaps(IpPrefix other) {
        return bits <= other.bits ? contains(other.address) : other.contains(address);
    }

    /** Whether every address of {@code other} lies inside this prefix. */
    public boolean covers(IpPrefix other) {
        return bits <= other.bits && contains(other.address);
    }

    private static byte[] masked(byte[] ip, int bits) {
        byte[] out = ip.clone();
        for (int i = 0; i < out.length; i++) {
            int keep = Math.max(0, Math.min(8, bits - 8 * i));
            out[i] &= (byte) (0xff << (8 - keep));
        }
        return out;
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof IpPrefix p && bits == p.bits && Arrays.equals(address, p.address);
    }

    @Override
    public int hashCode() {
        return 31 * Arrays.hashCode(address) + bits;
    }

    /** "a.b.c.d/n", or RFC 5952 text for IPv6 ("fd00::1/128", "::ffff:10.0.0.1/128" for IPv4-mapped). */
    @Override
    public String toString() {
        if (isIpv4MappedIpv6()) {
            return "::ffff:" + (address[12] & 0xff) + "." + (address[13] & 0xff) + "." + (address[14] & 0xff) + "."
                    + (address[15] & 0xff) + "/" + bits;
        }
        return InetAddresses.toAddrString(inetAddress()) + "/" + bits;
    }

    private boolean isIpv4MappedIpv6() {
        if (address.length != 16 || address[10] != (byte) 0xff || address[11] != (byte) 0xff) {
            return false;
        }
        for (int i = 0; i < 10; i++) {
            if (address[i] != 0) {
                return false;
            }
        }
        return true;
    }
}
