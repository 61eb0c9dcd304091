package dev.overlayd.routing.proxy;

import java.net.InetAddress;
import java.net.UnknownHostException;
import java.time.Instant;
import java.util.List;
import dev.overlayd.routing.discovery.Health;
import dev.overlayd.routing.discovery.HttpRoute;
import dev.overlayd.routing.discovery.ServiceInstance;

/** Service instances as the catalog would hold them, for the proxy's tests. */
final class Instances {
    private Instances() {}

    static ServiceInstance of(String service, String id, String address, int port, Health health, HttpRoute... routes) {
        try {
            return new ServiceInstance(service, id, InetAddress.getByName(address), port, "tcp", "node1", List.of(), health,
                    Instant.EPOCH, List.of(routes));
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException(e);
        }
    }

    static Copy copy(String id) {
        return new Copy(of("web", id, "127.0.0.1", 80, Health.PASSING), new Ejection(3, 1_000));
    }
}
