package dev.overlayd.node.metrics;

import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import dev.overlayd.peers.HostPort;

/**
 * Where {@code GET /metrics} listens, as overlay.yaml's {@code metrics.listen} and the environment's
 * {@code OVERLAYD_METRICS} write it: an address and a port ({@code 127.0.0.1:9586},
 * {@code [::1]:9586}), never a host name, which would make the bound address depend on a lookup.
 */
public final class MetricsAddress {
    /** The port in examples and messages: the one Prometheus' list of exporters' default ports gives WireGuard's. */
    public static final int EXAMPLE_PORT = 9586;

    private MetricsAddress() {}

    /** @throws IllegalArgumentException saying what is wrong, to follow the key's name ("metrics.listen: ...") */
    public static InetSocketAddress parse(String text) {
        try {
            HostPort hp = HostPort.parse(text.strip());
            if (hp.isAddress()) {
                return hp.resolve();
            }
        } catch (IllegalArgumentException | UnknownHostException e) {
            // Said below, the same for every malformed address.
        }
        throw new IllegalArgumentException("'" + text + "' is not an address:port to serve metrics on, such as 127.0.0.1:"
                + EXAMPLE_PORT + " (an IP address, not a host name)");
    }
}
