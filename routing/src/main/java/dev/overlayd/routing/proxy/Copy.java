package dev.overlayd.routing.proxy;

import java.net.InetSocketAddress;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import dev.overlayd.routing.discovery.ServiceInstance;

/**
 * One copy of a service the proxy sends requests to, kept across catalog updates by its instance's
 * id so that its in-flight count, counters and ejection outlive a change of health; every event
 * loop shares it.
 */
final class Copy {
    final String id;
    final AtomicInteger inFlight = new AtomicInteger();
    final LongAdder requests = new LongAdder();
    final LongAdder errors = new LongAdder();
    final Ejection ejection;
    private volatile ServiceInstance instance;
    private volatile InetSocketAddress address;
    /** Set once it has left the catalog: its idle connections are closed and none is kept any more. */
    volatile boolean retired;

    Copy(ServiceInstance instance, Ejection ejection) {
        this.id = instance.id();
        this.ejection = ejection;
        update(instance);
    }

    void update(ServiceInstance now) {
        instance = now;
        address = new InetSocketAddress(now.address(), now.port());
    }

    ServiceInstance instance() {
        return instance;
    }

    InetSocketAddress address() {
        return address;
    }

    String service() {
        return instance.service();
    }
}
