package dev.overlayd.routing.discovery;

import java.net.InetAddress;
import java.time.Instant;
import java.util.List;
import java.util.Objects;

/**
 * One copy of a service: one port of one container. {@code id} is registrator's
 * {@code <node>:<container name>:<port>} (with {@code /udp} for UDP), {@code address} the
 * container's overlay address, {@code node} the member whose record it is (never what the record
 * says), {@code since} when it started or last changed health, {@code http} the requests the edge
 * proxy sends it (none: it is not routed to).
 */
public record ServiceInstance(String service, String id, InetAddress address, int port, String protocol,
                              String node, List<String> tags, Health health, Instant since, List<HttpRoute> http) {
    public ServiceInstance {
        Objects.requireNonNull(service, "service");
        Objects.requireNonNull(id, "id");
        Objects.requireNonNull(address, "address");
        Objects.requireNonNull(protocol, "protocol");
        Objects.requireNonNull(node, "node");
        Objects.requireNonNull(health, "health");
        Objects.requireNonNull(since, "since");
        tags = List.copyOf(tags);
        http = List.copyOf(http);
    }
}
