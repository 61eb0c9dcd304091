package dev.overlayd.peers.uapi;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.SocketException;
import java.net.UnknownHostException;
import com.google.common.net.InetAddresses;
import dev.overlayd.peers.IpPrefix;

/**
 * The text forms of values on the UAPI, read as strictly as wireguard-go reads them (numeric
 * addresses only, never a DNS lookup: `wg` resolves names itself before it sends them) and
 * written as `wg` and wireguard-go expect them.
 */
public final class UapiValues {
    private UapiValues() {}

    /** A decimal number without sign, as Go's strconv.ParseUint(value, 10, bits) accepts it. */
    static long parseUnsigned(String text, long max, String what) throws UapiException {
        if (text.isEmpty()) {
            throw invalid(what + " is empty");
        }
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c < '0' || c > '9') {
                throw invalid(what + " is not a decimal number");
            }
        }
        int first = 0;
        while (first < text.length() - 1 && text.charAt(first) == '0') {
            first++;
        }
        // Leading zeros are fine, but more than 19 digits would overflow a long before the check.
        if (text.length() - first > 18) {
            throw invalid(what + " out of range");
        }
        long value = Long.parseLong(text, first, text.length(), 10);
        if (value > max) {
            throw invalid(what + " out of range");
        }
        return value;
    }

    /**
     * "a.b.c.d:port" or "[v6]:port", the v6 form optionally with a "%zone". An IPv4-mapped IPv6
     * address comes back as plain IPv4, which is what the device's dual-stack socket will see.
     */
    public static InetSocketAddress parseEndpoint(String text) throws UapiException {
        String host;
        String port;
        if (text.startsWith("[")) {
            int close = text.indexOf(']');
            if (close < 0 || close + 1 >= text.length() || text.charAt(close + 1) != ':') {
                throw invalid("endpoint is not [address]:port");
            }
            host = text.substring(1, close);
            port = text.substring(close + 2);
            if (host.indexOf(':') < 0) {
                throw invalid("endpoint has brackets around an IPv4 address");
            }
        } else {
            int colon = text.lastIndexOf(':');
            if (colon < 0) {
                throw invalid("endpoint has no port");
            }
            host = text.substring(0, colon);
            port = text.substring(colon + 1);
            if (host.indexOf(':') >= 0) {
                throw invalid("endpoint has an IPv6 address without brackets");
            }
        }
        InetAddress address = parseHost(host);
        return new InetSocketAddress(address, (int) parseUnsigned(port, 0xffff, "endpoint port"));
    }

    private static InetAddress parseHost(String host) throws UapiException {
        int percent = host.indexOf('%');
        String literal = percent < 0 ? host : host.substring(0, percent);
        InetAddress address = literal(literal, "endpoint");
        if (percent < 0) {
            return address;
        }
        if (!(address instanceof Inet6Address)) {
            throw invalid("endpoint has a zone on an address that is not IPv6");
        }
        String zone = host.substring(percent + 1);
        try {
            if (!zone.isEmpty() && zone.chars().allMatch(c -> c >= '0' && c <= '9')) {
                return Inet6Address.getByAddress(null, address.getAddress(),
                        (int) parseUnsigned(zone, Integer.MAX_VALUE, "endpoint zone"));
            }
            NetworkInterface nif = zone.isEmpty() ? null : NetworkInterface.getByName(zone);
            if (nif == null) {
                throw invalid("endpoint zone names no interface");
            }
            return Inet6Address.getByAddress(null, address.getAddress(), nif);
        } catch (UnknownHostException | SocketException e) {
            throw new UapiException(Errno.EINVAL, "endpoint zone unusable", e);
        }
    }

    /**
     * "address/bits", optionally with a leading '-' (remove) as `wg set … allowed-ips -x` sends it.
     * The prefix length is required, as in wireguard-go's netip.ParsePrefix.
     */
    static AllowedIpChange parseAllowedIp(String text) throws UapiException {
        boolean remove = text.startsWith("-");
        String prefix = remove ? text.substring(1) : text;
        int slash = prefix.indexOf('/');
        if (slash < 0) {
            throw invalid("allowed_ip has no prefix length");
        }
        String host = prefix.substring(0, slash);
        String bitsText = prefix.substring(slash + 1);
        if (host.indexOf('%') >= 0) {
            throw invalid("allowed_ip has a zone");
        }
        byte[] address = addressBytes(host);
        // netip.ParsePrefix refuses "+8" and "08": one canonical spelling per length.
        if (bitsText.length() > 1 && bitsText.charAt(0) == '0') {
            throw invalid("allowed_ip prefix length has a leading zero");
        }
        int bits = (int) parseUnsigned(bitsText, address.length * 8, "allowed_ip prefix length");
        return new AllowedIpChange(new IpPrefix(address, bits), remove);
    }

    /**
     * The address's bytes in the family it was written in: the JDK turns "::ffff:a.b.c.d" into an
     * Inet4Address, but as an allowed IP it is an IPv6 prefix (up to /128) and must stay one.
     */
    private static byte[] addressBytes(String host) throws UapiException {
        InetAddress address = literal(host, "allowed_ip");
        byte[] bytes = address.getAddress();
        if (bytes.length == 4 && host.indexOf(':') >= 0) {
            byte[] mapped = new byte[16];
            mapped[10] = (byte) 0xff;
            mapped[11] = (byte) 0xff;
            System.arraycopy(bytes, 0, mapped, 12, 4);
            return mapped;
        }
        return bytes;
    }

    private static InetAddress literal(String text, String what) throws UapiException {
        try {
            return InetAddresses.forString(text);
        } catch (IllegalArgumentException e) {
            throw invalid(what + " is not a numeric IP address");
        }
    }

    /**
     * "a.b.c.d:port" or "[v6]:port". A dual-stack socket reports IPv4 peers as ::ffff:a.b.c.d;
     * they are printed as the IPv4 addresses they are, as wireguard-go does.
     */
    public static String formatEndpoint(InetSocketAddress endpoint) {
        return dev.overlayd.peers.HostPort.of(endpoint).toString();
    }

    private static UapiException invalid(String message) {
        return new UapiException(Errno.EINVAL, message);
    }
}
