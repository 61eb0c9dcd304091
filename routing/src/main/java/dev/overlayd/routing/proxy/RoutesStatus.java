package dev.overlayd.routing.proxy;

import java.util.List;

/**
 * What `overlayctl routes` shows: every host and path rule in the order they are matched (the
 * longest path first), its service, where the rule comes from (labels of containers, or
 * overlay.yaml), and the copies a request may go to.
 */
public record RoutesStatus(String node, List<Route> routes) {
    /** {@code host} null: any host. */
    public record Route(String host, String path, String service, String source, long requests, long errors,
                        List<Copy> copies) {}

    /**
     * One copy: {@code health} passing, starting, unhealthy (Docker's, from discovery) or ejected
     * (by the proxy itself, for {@code ejectedForMs} more); {@code inFlight} requests now.
     */
    public record Copy(String id, String node, String address, String health, int inFlight, long requests, long errors,
                       long ejectedForMs) {}
}
