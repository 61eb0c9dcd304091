package dev.overlayd.routing.proxy;

import java.time.Clock;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import io.netty.channel.ChannelHandler;
import dev.overlayd.routing.audit.RequestLog;
import dev.overlayd.routing.discovery.CatalogSnapshot;
import dev.overlayd.routing.edge.EdgeConfig;

/**
 * The request router: the rules of the catalog and of overlay.yaml, a copy for each request by
 * power of two choices, keep-alive connections per event loop, and a request handler for each
 * client connection (or HTTP/2 stream) that the edge listener accepts.
 */
public final class Proxy {
    final EdgeConfig config;
    final RequestLog log;
    final Clock clock;
    final LongSupplier nanos;
    final UpstreamPool pool;
    private volatile RouteTable table = RouteTable.EMPTY;
    /** Written by {@link #catalog} alone (one thread at a time), read by {@link #status}. */
    private volatile Map<String, Copy> copies = Map.of();
    private final Map<RouteTable.Key, Route.Counters> counters = new ConcurrentHashMap<>();

    public Proxy(EdgeConfig config, RequestLog log) {
        this(config, log, Clock.systemUTC(), System::nanoTime);
    }

    Proxy(EdgeConfig config, RequestLog log, Clock clock, LongSupplier nanos) {
        this.config = config;
        this.log = log;
        this.clock = clock;
        this.nanos = nanos;
        this.pool = new UpstreamPool(config);
    }

    /**
     * The catalog changed: new rules, at once for requests that begin from now on. A copy keeps its
     * counters and ejection by its instance's id; copies that left have their idle connections closed.
     */
    public synchronized void catalog(CatalogSnapshot snapshot) {
        Map<String, Copy> before = copies;
        Map<String, Copy> now = new HashMap<>();
        long ejection = config.upstreams().ejection().toNanos();
        RouteTable next = RouteTable.build(snapshot, config.routes(), instance -> now.computeIfAbsent(instance.id(), id -> {
            Copy kept = before.get(id);
            if (kept == null) {
                return new Copy(instance, new Ejection(config.upstreams().ejectAfter(), ejection));
            }
            kept.update(instance);
            return kept;
        }), key -> counters.computeIfAbsent(key, k -> new Route.Counters()));
        table = next;
        copies = Map.copyOf(now);
        counters.keySet().retainAll(next.routes().stream().map(r -> new RouteTable.Key(r.host(), r.path())).toList());
        List<String> gone = new ArrayList<>();
        before.forEach((id, copy) -> {
            if (!now.containsKey(id)) {
                copy.retired = true;
                gone.add(id);
            }
        });
        if (!gone.isEmpty()) {
            pool.retire(gone);
        }
    }

    /** A handler for one HTTP/1.1 connection or HTTP/2 stream. */
    public ChannelHandler newHandler() {
        return new ProxyHandler(this);
    }

    /** Every rule as it is matched, with its copies, for `overlayctl routes` on {@code node}. */
    public RoutesStatus status(String node) {
        long now = nanos.getAsLong();
        List<RoutesStatus.Route> routes = new ArrayList<>();
        for (Route r : table.routes()) {
            List<RoutesStatus.Copy> shown = new ArrayList<>();
            for (Copy c : r.copies()) {
                long ejected = c.ejection.remaining(now);
                String health = ejected > 0 ? "ejected" : c.instance().health().name().toLowerCase(Locale.ROOT);
                shown.add(new RoutesStatus.Copy(c.id, c.instance().node(), c.address().getAddress().getHostAddress()
                        + ":" + c.address().getPort(), health, c.inFlight.get(), c.requests.sum(), c.errors.sum(),
                        TimeUnit.NANOSECONDS.toMillis(ejected)));
            }
            routes.add(new RoutesStatus.Route(r.host(), r.path(), r.service(), r.source(), r.counters().requests().sum(),
                    r.counters().errors().sum(), List.copyOf(shown)));
        }
        return new RoutesStatus(node, List.copyOf(routes));
    }

    /** Idle connections to the copies are closed; requests under way finish. */
    public void close() {
        pool.close();
    }

    RouteTable table() {
        return table;
    }

    /** One request is over: its line in the audit log and its counts. */
    void completed(Exchange e) {
        if (e.route != null) {
            e.route.counters().requests().increment();
            if (e.status >= 500) {
                e.route.counters().errors().increment();
            }
        }
        log.completed(e.record(nanos.getAsLong()));
    }
}
