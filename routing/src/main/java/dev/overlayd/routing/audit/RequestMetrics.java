package dev.overlayd.routing.audit;

import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentMap;
import java.util.concurrent.atomic.AtomicReferenceArray;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

/**
 * The edge's metrics per service: requests by status class, latency, bytes each way, and upstream
 * errors by reason. Labels stay few (service, status class, reason) so that the series stay few:
 * no method, path, host or copy, which clients and deployments multiply. The meters of a service are
 * looked up once and kept, not found in the registry on every request.
 */
final class RequestMetrics {
    /** For requests that went to no service (no route, refused): the service label's value. */
    static final String NONE = "none";
    /** Latency buckets from 1 ms to 10 s, the range a proxied request's duration falls in. */
    private static final Duration[] BUCKETS = {Duration.ofMillis(1), Duration.ofMillis(2), Duration.ofMillis(5),
            Duration.ofMillis(10), Duration.ofMillis(25), Duration.ofMillis(50), Duration.ofMillis(100),
            Duration.ofMillis(250), Duration.ofMillis(500), Duration.ofSeconds(1), Duration.ofMillis(2500),
            Duration.ofSeconds(5), Duration.ofSeconds(10)};
    private static final String[] CLASSES = {"other", "1xx", "2xx", "3xx", "4xx", "5xx"};

    private final MeterRegistry registry;
    private final ConcurrentMap<String, ServiceMeters> services = new ConcurrentHashMap<>();
    private final ConcurrentMap<String, ConcurrentMap<String, Counter>> upstreamErrors = new ConcurrentHashMap<>();

    RequestMetrics(MeterRegistry registry) {
        this.registry = registry;
    }

    void completed(AccessRecord request) {
        ServiceMeters meters = services.computeIfAbsent(request.service() == null ? NONE : request.service(), this::meters);
        int status = request.status();
        meters.requests(status >= 100 && status < 600 ? status / 100 : 0).increment();
        if (request.duration() != null) {
            meters.latency.record(request.duration());
        }
        meters.received.increment(request.bytesIn());
        meters.sent.increment(request.bytesOut());
    }

    /** @param reason one of a few words (refused, reset, timeout): it is a label */
    void upstreamFailed(String service, String reason) {
        String name = service == null ? NONE : service;
        upstreamErrors.computeIfAbsent(name, s -> new ConcurrentHashMap<>())
                .computeIfAbsent(reason == null ? "unknown" : reason, r -> Counter.builder("overlayd.edge.upstream.errors")
                        .description("Requests a copy of the service failed before answering, by reason")
                        .tag("service", name).tag("reason", r).register(registry))
                .increment();
    }

    private ServiceMeters meters(String service) {
        return new ServiceMeters(service, registry,
                Timer.builder("overlayd.edge.request.duration").description("Requests from their first byte to their last")
                        .tag("service", service).serviceLevelObjectives(BUCKETS)
                        .minimumExpectedValue(BUCKETS[0]).maximumExpectedValue(BUCKETS[BUCKETS.length - 1])
                        .register(registry),
                Counter.builder("overlayd.edge.received").baseUnit("bytes").description("Request bytes from clients")
                        .tag("service", service).register(registry),
                Counter.builder("overlayd.edge.sent").baseUnit("bytes").description("Response bytes to clients")
                        .tag("service", service).register(registry));
    }

    /** A service's meters; its request counters by status class made when a class is first seen. */
    private static final class ServiceMeters {
        private final String service;
        private final MeterRegistry registry;
        private final AtomicReferenceArray<Counter> requests = new AtomicReferenceArray<>(CLASSES.length);
        final Timer latency;
        final Counter received;
        final Counter sent;

        ServiceMeters(String service, MeterRegistry registry, Timer latency, Counter received, Counter sent) {
            this.service = service;
            this.registry = registry;
            this.latency = latency;
            this.received = received;
            this.sent = sent;
        }

        Counter requests(int statusClass) {
            Counter c = requests.get(statusClass);
            if (c == null) {
                // Racing threads get the same counter from the registry: the array only saves the lookup.
                c = Counter.builder("overlayd.edge.requests").description("Requests answered, by status class")
                        .tag("service", service).tag("status", CLASSES[statusClass]).register(registry);
                requests.set(statusClass, c);
            }
            return c;
        }
    }
}
