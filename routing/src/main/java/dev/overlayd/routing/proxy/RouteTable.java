package dev.overlayd.routing.proxy;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeSet;
import java.util.function.Function;
import dev.overlayd.routing.discovery.CatalogSnapshot;
import dev.overlayd.routing.discovery.HttpRoute;
import dev.overlayd.routing.discovery.ServiceInstance;
import dev.overlayd.routing.edge.EdgeConfig.StaticRoute;

/**
 * The rules at one moment, immutable: built on the catalog's thread, read lock-free by every event
 * loop. A request's host is matched exactly (without case or port) before the rules for any host;
 * within those, the longest path prefix wins. A rule of overlay.yaml replaces the labels' rule for
 * the same host and path: the operator's word is the last.
 */
final class RouteTable {
    /** Host-specific rules first, then by path, longest first: the order they are matched and shown. */
    private static final Comparator<Route> ORDER = Comparator
            .comparing((Route r) -> r.host() == null)
            .thenComparing(r -> r.host() == null ? "" : r.host())
            .thenComparing((Route r) -> -r.path().length())
            .thenComparing(Route::path);

    static final RouteTable EMPTY = new RouteTable(List.of());

    private final List<Route> routes;
    private final Map<String, List<Route>> byHost = new HashMap<>();
    private final List<Route> anyHost = new ArrayList<>();

    private RouteTable(List<Route> routes) {
        this.routes = routes.stream().sorted(ORDER).toList();
        for (Route r : this.routes) {
            if (r.host() == null) {
                anyHost.add(r);
            } else {
                byHost.computeIfAbsent(r.host(), h -> new ArrayList<>()).add(r);
            }
        }
    }

    /** The key a rule's counters are kept under across catalog updates. */
    record Key(String host, String path) {}

    /**
     * The rules of {@code snapshot}'s instances' HTTP routes and of {@code configured}, each copy
     * from {@code copy} (the same object for the same instance id) and the counters from {@code counters}.
     */
    static RouteTable build(CatalogSnapshot snapshot, List<StaticRoute> configured, Function<ServiceInstance, Copy> copy,
                            Function<Key, Route.Counters> counters) {
        Map<Key, List<ServiceInstance>> labelled = new LinkedHashMap<>();
        for (ServiceInstance i : snapshot.instances()) {
            for (HttpRoute r : i.http()) {
                labelled.computeIfAbsent(new Key(host(r.host()), r.path()), k -> new ArrayList<>()).add(i);
            }
        }
        Map<Key, Route> rules = new LinkedHashMap<>();
        labelled.forEach((key, instances) -> rules.put(key, route(key, Route.LABELS, instances, copy, counters)));
        Map<String, List<ServiceInstance>> services = snapshot.byService();
        for (StaticRoute s : configured) {
            Key key = new Key(host(s.host()), s.path());
            rules.put(key, route(key, Route.CONFIG, services.getOrDefault(s.service(), List.of()), copy, counters));
        }
        return new RouteTable(new ArrayList<>(rules.values()));
    }

    private static Route route(Key key, String source, List<ServiceInstance> instances, Function<ServiceInstance, Copy> copy,
                               Function<Key, Route.Counters> counters) {
        List<Copy> all = instances.stream().map(copy).toList();
        List<Copy> healthy = all.stream().filter(c -> c.instance().health().answered()).toList();
        String service = String.join(",", new TreeSet<>(instances.stream().map(ServiceInstance::service).toList()));
        return new Route(key.host(), key.path(), service, source, all, healthy, counters.apply(key));
    }

    /** The rule for a request to {@code host} (its Host header; null when it has none) and {@code path}; null: none. */
    Route match(String host, String path) {
        List<Route> forHost = host == null ? null : byHost.get(host(host));
        if (forHost != null) {
            for (Route r : forHost) {
                if (r.matches(path)) {
                    return r;
                }
            }
        }
        for (Route r : anyHost) {
            if (r.matches(path)) {
                return r;
            }
        }
        return null;
    }

    List<Route> routes() {
        return routes;
    }

    /** A Host header or a rule's host as it is compared: lower case, without the port (IPv6 literals keep their brackets). */
    static String host(String host) {
        if (host == null) {
            return null;
        }
        String h = host.strip().toLowerCase(Locale.ROOT);
        int colon = h.lastIndexOf(':');
        if (colon >= 0 && h.indexOf(']') < colon && (h.startsWith("[") || h.indexOf(':') == colon)) {
            h = h.substring(0, colon);
        }
        if (h.endsWith(".")) {
            h = h.substring(0, h.length() - 1);
        }
        return h;
    }
}
