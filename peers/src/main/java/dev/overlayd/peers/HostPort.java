package dev.overlayd.peers;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.UnknownHostException;
import java.util.regex.Pattern;
import com.google.common.net.InetAddresses;

/**
 * A UDP endpoint as people and files write it: {@code host:port}, where the host is an IPv4
 * address, a DNS name, or an IPv6 address in brackets ({@code [fd00::1]:51820}, optionally with a
 * {@code %zone}). Parsed and printed here only, for every file, certificate, record and socket that
 * names one. {@link #host()} is the host without brackets; names are never resolved unless asked.
 */
public record HostPort(String host, int port) {
    private static final Pattern HOST_LABEL = Pattern.compile("[A-Za-z0-9_]([A-Za-z0-9_-]{0,61}[A-Za-z0-9_])?");
    private static final Pattern ZONE = Pattern.compile("[A-Za-z0-9_.-]{1,64}");

    public HostPort {
        String problem = hostProblem(host);
        if (problem != null) {
            throw new IllegalArgumentException(problem);
        }
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("must end with a port from 1 to 65535");
        }
    }

    /**
     * {@code host:port} or {@code [IPv6]:port}.
     *
     * @throws IllegalArgumentException saying what is wrong, worded to follow the text ("Endpoint X " + message)
     */
    public static HostPort parse(String text) {
        return parse(text, 0);
    }

    /** As {@link #parse(String)}, but a text without a port (a host alone, or {@code [IPv6]}) gets {@code defaultPort} (0: none). */
    public static HostPort parse(String text, int defaultPort) {
        String host;
        String port;
        if (text.startsWith("[")) {
            int close = text.indexOf(']');
            if (close < 0) {
                throw new IllegalArgumentException("has [ without ]");
            }
            host = text.substring(1, close);
            if (close + 1 == text.length() && defaultPort != 0) {
                port = null;
            } else if (close + 1 >= text.length() || text.charAt(close + 1) != ':') {
                throw new IllegalArgumentException("must be [IPv6]:port");
            } else {
                port = text.substring(close + 2);
            }
            if (!isIpv6(host)) {
                throw new IllegalArgumentException(host.indexOf('%') >= 0 && isIpLiteral(host.substring(0, host.indexOf('%')), 16)
                        ? "has a malformed IPv6 zone" : "must have an IPv6 address between [ and ]");
            }
        } else {
            int colon = text.lastIndexOf(':');
            if (colon < 0 && defaultPort == 0) {
                throw new IllegalArgumentException("has no :port");
            }
            host = colon < 0 ? text : text.substring(0, colon);
            port = colon < 0 ? null : text.substring(colon + 1);
            if (host.indexOf(':') >= 0) {
                throw new IllegalArgumentException("must write an IPv6 address in brackets, [address]:port");
            }
        }
        return new HostPort(host, port == null ? defaultPort : number(port));
    }

    /** The endpoint of a socket address, as {@link #toString} prints it: an IPv4-mapped IPv6 address as the IPv4 address it is. */
    public static HostPort of(InetSocketAddress endpoint) {
        return new HostPort(text(endpoint.getAddress()), endpoint.getPort());
    }

    /** Whether the host is an address (no lookup needed). */
    public boolean isAddress() {
        return host.indexOf(':') >= 0 || isIpLiteral(host, 4);
    }

    /** The socket address, the host looked up when it is a name. */
    public InetSocketAddress resolve() throws UnknownHostException {
        return new InetSocketAddress(InetAddress.getByName(host), port);
    }

    /** {@code host:port}, {@code [IPv6]:port}. */
    @Override
    public String toString() {
        return (host.indexOf(':') >= 0 ? "[" + host + "]" : host) + ":" + port;
    }

    private static String text(InetAddress address) {
        byte[] bytes = address.getAddress();
        if (address instanceof Inet4Address || isMappedIpv4(bytes)) {
            int o = bytes.length - 4;
            return (bytes[o] & 0xff) + "." + (bytes[o + 1] & 0xff) + "." + (bytes[o + 2] & 0xff) + "." + (bytes[o + 3] & 0xff);
        }
        Inet6Address v6 = (Inet6Address) address;
        String zone = "";
        if (v6.getScopedInterface() != null) {
            zone = "%" + v6.getScopedInterface().getName();
        } else if (v6.getScopeId() != 0) {
            zone = "%" + v6.getScopeId();
        }
        try {
            // Inet6Address.getByAddress keeps 16 bytes as IPv6 (InetAddress.getByAddress would not).
            return InetAddresses.toAddrString(Inet6Address.getByAddress(null, bytes, (NetworkInterface) null)) + zone;
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }

    private static boolean isMappedIpv4(byte[] bytes) {
        if (bytes.length != 16) {
            return false;
        }
        for (int i = 0; i < 10; i++) {
            if (bytes[i] != 0) {
                return false;
            }
        }
        return bytes[10] == (byte) 0xff && bytes[11] == (byte) 0xff;
    }

    /** Why {@code host} is no host, or null: an IPv6 address (with an optional zone), an IPv4 address, or a DNS name. */
    private static String hostProblem(String host) {
        if (host.indexOf(':') >= 0) {
            return isIpv6(host) ? null : "must have an IPv6 address between [ and ]";
        }
        if (host.isEmpty() || host.length() > 253) {
            return "does not start with a host name or IPv4 address";
        }
        if (host.chars().allMatch(c -> c == '.' || (c >= '0' && c <= '9'))) {
            // Digits and dots: an IPv4 address, not a name.
            return isIpLiteral(host, 4) ? null : "does not start with a host name or IPv4 address";
        }
        String name = host.endsWith(".") ? host.substring(0, host.length() - 1) : host;
        for (String label : name.split("\\.", -1)) {
            if (!HOST_LABEL.matcher(label).matches()) {
                return "does not start with a host name or IPv4 address";
            }
        }
        return null;
    }

    private static boolean isIpv6(String host) {
        int percent = host.indexOf('%');
        String literal = percent < 0 ? host : host.substring(0, percent);
        return isIpLiteral(literal, 16) && (percent < 0 || ZONE.matcher(host.substring(percent + 1)).matches());
    }

    private static boolean isIpLiteral(String text, int length) {
        if (text.isEmpty() || !text.strip().equals(text) || text.indexOf('/') >= 0 || text.indexOf('%') >= 0) {
            return false;
        }
        try {
            return IpPrefix.parse(text).address().length == length;
        } catch (IllegalArgumentException e) {
            return false;
        }
    }

    /** A decimal port; signs, spaces and other forms are refused. */
    private static int number(String text) {
        if (text.isEmpty() || text.length() > 5 || !text.chars().allMatch(c -> c >= '0' && c <= '9')) {
            throw new IllegalArgumentException("must end with a port from 1 to 65535");
        }
        return Integer.parseInt(text);
    }
}
