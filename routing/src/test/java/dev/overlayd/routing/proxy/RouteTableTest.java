package dev.overlayd.routing.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import dev.overlayd.routing.discovery.CatalogSnapshot;
import dev.overlayd.routing.discovery.Health;
import dev.overlayd.routing.discovery.HttpRoute;
import dev.overlayd.routing.discovery.ServiceInstance;
import dev.overlayd.routing.edge.EdgeConfig.StaticRoute;
import org.junit.jupiter.api.Test;

class RouteTableTest {
    private final Map<String, Copy> copies = new HashMap<>();

    private RouteTable table(List<StaticRoute> configured, ServiceInstance... instances) {
        return RouteTable.build(new CatalogSnapshot(List.of(instances)), configured,
                i -> copies.computeIfAbsent(i.id(), id -> new Copy(i, new Ejection(5, 1))), k -> new Route.Counters());
    }

    private static String service(Route r) {
        return r == null ? null : r.service();
    }

    @Test
    void anExactHostComesBeforeAnyHostThenTheLongestPrefixOnWholeSegments() {
        RouteTable t = table(List.of(),
                Instances.of("root", "n:root:80", "100.64.0.1", 80, Health.PASSING, new HttpRoute(null, "/")),
                Instances.of("v1", "n:v1:80", "100.64.0.2", 80, Health.PASSING, new HttpRoute(null, "/v1")),
                Instances.of("v1x", "n:v1x:80", "100.64.0.3", 80, Health.PASSING, new HttpRoute(null, "/v1/x")),
                Instances.of("api", "n:api:80", "100.64.0.4", 80, Health.PASSING, new HttpRoute("api.example.com", "/")),
                Instances.of("apiv2", "n:apiv2:80", "100.64.0.5", 80, Health.PASSING, new HttpRoute("api.example.com", "/v2/")));
        assertEquals("v1", service(t.match("other.example.com", "/v1")));
        assertEquals("v1", service(t.match("other.example.com", "/v1/y")));
        assertEquals("root", service(t.match("other.example.com", "/v10")));
        assertEquals("v1x", service(t.match(null, "/v1/x/z")));
        assertEquals("v1", service(t.match(null, "/v1/xy")));
        assertEquals("api", service(t.match("API.Example.com:8443", "/v1")));
        assertEquals("api", service(t.match("api.example.com.", "/v2")));
        assertEquals("apiv2", service(t.match("api.example.com", "/v2/a")));
        assertEquals(java.util.Arrays.asList("api.example.com", "api.example.com", null, null, null),
                t.routes().stream().map(Route::host).toList());
        assertEquals(List.of("/v2/", "/", "/v1/x", "/v1", "/"), t.routes().stream().map(Route::path).toList());
    }

    @Test
    void noRuleNoRoute() {
        RouteTable t = table(List.of(),
                Instances.of("api", "n:api:80", "100.64.0.4", 80, Health.PASSING, new HttpRoute("api.example.com", "/v1")));
        assertNull(t.match("api.example.com", "/v2"));
        assertNull(t.match("www.example.com", "/v1"));
        assertNull(RouteTable.EMPTY.match("api.example.com", "/"));
    }

    @Test
    void hostsAreComparedWithoutCaseOrPort() {
        assertEquals("example.com", RouteTable.host("Example.COM:443"));
        assertEquals("[::1]", RouteTable.host("[::1]:8080"));
        assertEquals("[::1]", RouteTable.host("[::1]"));
        assertNull(RouteTable.host(null));
    }

    @Test
    void onlyPassingInstancesAreCopiesToSendTo() {
        RouteTable t = table(List.of(),
                Instances.of("web", "n:a:80", "100.64.0.1", 80, Health.PASSING, new HttpRoute(null, "/")),
                Instances.of("web", "n:b:80", "100.64.0.2", 80, Health.STARTING, new HttpRoute(null, "/")),
                Instances.of("web", "n:c:80", "100.64.0.3", 80, Health.UNHEALTHY, new HttpRoute(null, "/")));
        Route r = t.match(null, "/");
        assertEquals(3, r.copies().size());
        assertEquals(List.of("n:a:80"), r.healthy().stream().map(c -> c.id).toList());
    }

    @Test
    void aConfiguredRouteTakesEveryHealthyInstanceOfItsServiceAndReplacesTheLabelsRule() {
        RouteTable t = table(List.of(new StaticRoute("api.example.com", "/v1", "api")),
                Instances.of("api", "n:a:80", "100.64.0.1", 80, Health.PASSING),
                Instances.of("api", "n:b:80", "100.64.0.2", 80, Health.PASSING, new HttpRoute("other.example.com", "/")),
                Instances.of("old", "n:c:80", "100.64.0.3", 80, Health.PASSING, new HttpRoute("api.example.com", "/v1")));
        Route r = t.match("api.example.com", "/v1/users");
        assertEquals("api", r.service());
        assertEquals(Route.CONFIG, r.source());
        assertEquals(List.of("n:a:80", "n:b:80"), r.healthy().stream().map(c -> c.id).toList());
        assertEquals(Route.LABELS, t.match("other.example.com", "/").source());
    }

    @Test
    void aCopyIsTheSameObjectAcrossCatalogUpdates() {
        ServiceInstance a = Instances.of("web", "n:a:80", "100.64.0.1", 80, Health.PASSING, new HttpRoute(null, "/"));
        Copy before = table(List.of(), a).match(null, "/").healthy().getFirst();
        before.inFlight.incrementAndGet();
        Copy after = table(List.of(), a, Instances.of("web", "n:b:80", "100.64.0.2", 80, Health.PASSING,
                new HttpRoute(null, "/"))).match(null, "/").healthy().getFirst();
        assertSame(before, after);
        assertEquals(1, after.inFlight.get());
    }
}
