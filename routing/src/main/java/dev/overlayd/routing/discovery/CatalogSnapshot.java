package dev.overlayd.routing.discovery;

import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** The cluster's service instances at one moment, on every node that has them; immutable. */
public record CatalogSnapshot(List<ServiceInstance> instances) {
    public static final CatalogSnapshot EMPTY = new CatalogSnapshot(List.of());

    public CatalogSnapshot {
        instances = instances.stream()
                .sorted(Comparator.comparing(ServiceInstance::service).thenComparing(ServiceInstance::id))
                .toList();
    }

    /** Every instance by service name, names sorted. */
    public Map<String, List<ServiceInstance>> byService() {
        Map<String, List<ServiceInstance>> services = new TreeMap<>();
        for (ServiceInstance i : instances) {
            services.computeIfAbsent(i.service(), s -> new ArrayList<>()).add(i);
        }
        services.replaceAll((name, list) -> Collections.unmodifiableList(list));
        return Collections.unmodifiableMap(services);
    }

    /** Whether any instance, healthy or not, has this service name. */
    public boolean has(String service) {
        return instances.stream().anyMatch(i -> i.service().equals(service));
    }

    /** The instances of {@code service} that may be answered and routed to, with {@code tag} unless it is null. */
    public List<ServiceInstance> healthy(String service, String tag) {
        return instances.stream()
                .filter(i -> i.service().equals(service) && i.health().answered() && (tag == null || i.tags().contains(tag)))
                .toList();
    }
}
