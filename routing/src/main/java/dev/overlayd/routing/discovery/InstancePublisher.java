package dev.overlayd.routing.discovery;

import java.io.IOException;

/**
 * Where the registration puts this node's service instances: the discovery plugin publishes each
 * as a record ({@link InstanceRecord#encode}) under {@code key}, {@link InstanceRecord#key}.
 */
@FunctionalInterface
public interface InstancePublisher {
    /** Publishes {@code instance} under {@code key}, replacing what was there; null withdraws it. */
    void publish(String key, ServiceInstance instance) throws IOException;
}
