package dev.overlayd.routing.audit;

import java.math.BigDecimal;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import com.google.common.net.InetAddresses;
import dev.overlayd.routing.edge.EdgeConfig;

/** How one request becomes one line of the access log: the bytes of the line, its newline included. */
interface LineFormat {
    byte[] line(AccessRecord request);

    static LineFormat of(EdgeConfig.AccessLog config) {
        return switch (config.format()) {
            case JSON -> new JsonLines(config.query());
            case COMBINED -> new CombinedLines(config.query());
        };
    }

    /** The address alone ({@code 198.18.0.7}, {@code 2001:db8::1}); null for none. */
    static String ip(InetSocketAddress address) {
        if (address == null) {
            return null;
        }
        InetAddress ip = address.getAddress();
        return ip == null ? address.getHostString() : InetAddresses.toAddrString(ip);
    }

    /** The address and port as a URL writes them ({@code 198.18.0.1:443}, {@code [2001:db8::1]:443}); null for none. */
    static String ipPort(InetSocketAddress address) {
        if (address == null) {
            return null;
        }
        InetAddress ip = address.getAddress();
        return (ip == null ? address.getHostString() : InetAddresses.toUriString(ip)) + ":" + address.getPort();
    }

    /** A duration in milliseconds to the microsecond, written plain ({@code 12.345}). */
    static BigDecimal milliseconds(Duration duration) {
        return BigDecimal.valueOf(duration.toNanos() / 1000, 3);
    }
}
