package dev.overlayd.routing.discovery;

import java.util.List;
import java.util.Map;

/**
 * What `overlayctl services` shows: the catalog as this node holds it, service by service; the
 * containers of this node that registered nothing or are not routed, with why; the members whose records this node
 * does not hold as they are yet; and the instances refused, by reason. Times are epoch seconds.
 */
public record ServicesStatus(String node, String domain, String dns, List<Service> services, List<Skipped> skipped,
                             Map<String, String> unsettled, Map<String, Long> refused) {
    public ServicesStatus {
        services = List.copyOf(services);
        skipped = List.copyOf(skipped);
        unsettled = Map.copyOf(unsettled);
        refused = Map.copyOf(refused);
    }

    public record Service(String name, List<Instance> instances) {}

    public record Instance(String id, String node, String address, int port, String protocol, String health,
                           List<String> tags, long since) {
        static Instance of(ServiceInstance i) {
            return new Instance(i.id(), i.node(), i.address().getHostAddress(), i.port(), i.protocol(),
                    i.health().name().toLowerCase(java.util.Locale.ROOT), i.tags(), i.since().getEpochSecond());
        }
    }

    /**
     * A container of this node, or one of its ports ({@code port} such as 8080/tcp, else null), that
     * registered nothing, or is registered but not routed (the reason begins "not routed: "), and why.
     */
    public record Skipped(String container, String id, String port, String reason, long since) {}
}
