package dev.overlayd.routing.discovery;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import dev.overlayd.containers.docker.ContainerInfo;
import dev.overlayd.routing.discovery.ServiceNaming.Offered;
import dev.overlayd.routing.discovery.ServiceNaming.Plan;
import dev.overlayd.routing.discovery.ServiceNaming.Refused;
import org.junit.jupiter.api.Test;

/** registrator's and the ECS agent's naming conventions, and what odd labels and ports come to. */
class ServiceNamingTest {
    private static ContainerInfo container(String image, Map<String, String> labels, Map<String, String> env, String... ports) {
        return new ContainerInfo("0123456789abcdef", "c1", labels, "default", "running", Map.of(), null, image, env,
                List.of(ports), null, Map.of());
    }

    private static Plan plan(String image, Map<String, String> labels, Map<String, String> env, String... ports) {
        return ServiceNaming.plan(container(image, labels, env, ports));
    }

    private static List<String> names(Plan plan) {
        return plan.offered().stream().map(o -> o.port() + "/" + o.protocol() + "=" + o.service()).toList();
    }

    @Test
    void theImagesBaseNameWithoutRegistryPathTagOrDigest() {
        assertEquals(List.of("8080/tcp=web"), names(plan("registry:5000/team/web:1.2", Map.of(), Map.of(), "8080/tcp")));
        assertEquals(List.of("80/tcp=nginx"), names(plan("nginx", Map.of(), Map.of(), "80/tcp")));
        assertEquals(List.of("80/tcp=api"), names(plan("team/api@sha256:" + "a".repeat(64), Map.of(), Map.of(), "80/tcp")));
        assertEquals(List.of("80/tcp=web-app"), names(plan("Web_App:latest", Map.of(), Map.of(), "80/tcp")));
        Plan byId = plan("sha256:" + "b".repeat(64), Map.of(), Map.of(), "80/tcp");
        assertEquals(List.of(), byId.offered());
        assertTrue(byId.refused().getFirst().reason().contains("set SERVICE_NAME"), byId.toString());
    }

    @Test
    void serviceNameFromLabelsOrEnvAndTheLabelWins() {
        assertEquals(List.of("80/tcp=from-env"), names(plan("img", Map.of(), Map.of("SERVICE_NAME", "from-env"), "80/tcp")));
        assertEquals(List.of("80/tcp=from-label"), names(plan("img", Map.of("SERVICE_NAME", "from-label"),
                Map.of("SERVICE_NAME", "from-env"), "80/tcp")));
        // What follows SERVICE_ may be in any case; an empty one is unset.
        assertEquals(List.of("80/tcp=lower"), names(plan("img", Map.of("SERVICE_name", "lower"), Map.of(), "80/tcp")));
        assertEquals(List.of("80/tcp=img"), names(plan("img", Map.of("SERVICE_NAME", " "), Map.of(), "80/tcp")));
        assertEquals(List.of("80/tcp=img"), names(plan("img", Map.of("service_name", "not-registrators"), Map.of(), "80/tcp")));
    }

    @Test
    void severalPortsGetThePortAppendedUnlessNamedForTheirPort() {
        Plan plan = plan("img", Map.of("SERVICE_NAME", "web", "SERVICE_9090_NAME", "metrics"),
                Map.of("SERVICE_53_NAME", "dns"), "8080/tcp", "9090/tcp", "53/udp", "53/tcp");
        assertEquals(List.of("53/tcp=dns", "53/udp=dns", "8080/tcp=web-8080", "9090/tcp=metrics"), names(plan));
        // A per-port name in the environment beats a general one in a label.
        assertEquals(List.of("80/tcp=env-port", "81/tcp=label-81"), names(plan("img", Map.of("SERVICE_NAME", "label"),
                Map.of("SERVICE_80_NAME", "env-port"), "80/tcp", "81/tcp")));
        assertEquals(List.of("80/tcp=img-80", "81/tcp=img-81"), names(plan("img", Map.of(), Map.of(), "81/tcp", "80/tcp")));
    }

    @Test
    void ignoreFlagsForTheContainerOrOnePort() {
        Plan all = plan("img", Map.of("SERVICE_IGNORE", "true"), Map.of(), "80/tcp");
        assertEquals(List.of(), all.offered());
        assertEquals(List.of(new Refused(null, "ignored: SERVICE_IGNORE='true'")), all.refused());
        Plan one = plan("img", Map.of(), Map.of("SERVICE_81_IGNORE", "yes"), "80/tcp", "81/tcp");
        assertEquals(List.of("80/tcp=img-80"), names(one));
        assertEquals(List.of(new Refused("81/tcp", "ignored: SERVICE_81_IGNORE='yes'")), one.refused());
        assertEquals(List.of("80/tcp=img"), names(plan("img", Map.of("SERVICE_IGNORE", "false"), Map.of("SERVICE_IGNORE", "1"),
                "80/tcp")), "the label's false wins over the environment");
        assertEquals(List.of("80/tcp=img"), names(plan("img", Map.of(), Map.of("SERVICE_IGNORE", "0"), "80/tcp")));
    }

    @Test
    void ecsLabelsNameTheFamilyOrFamilyAndContainer() {
        Map<String, String> same = Map.of(ServiceNaming.ECS_FAMILY, "billing", ServiceNaming.ECS_CONTAINER, "billing");
        assertEquals(List.of("80/tcp=billing"), names(plan("team/app:3", same, Map.of(), "80/tcp")));
        Map<String, String> other = Map.of(ServiceNaming.ECS_FAMILY, "billing", ServiceNaming.ECS_CONTAINER, "worker");
        assertEquals(List.of("80/tcp=billing-worker"), names(plan("team/app:3", other, Map.of(), "80/tcp")));
        Map<String, String> named = new HashMap<>(other);
        named.put("SERVICE_NAME", "invoices");
        assertEquals(List.of("80/tcp=invoices"), names(plan("team/app:3", named, Map.of(), "80/tcp")), "SERVICE_NAME first");
    }

    @Test
    void tagsFromTheirPortOrTheContainerSanitizedAndDeduplicated() {
        Plan plan = plan("img", Map.of("SERVICE_TAGS", "Primary, v2 ,,v2,a_b", "SERVICE_81_TAGS", "canary"), Map.of(),
                "80/tcp", "81/tcp");
        assertEquals(List.of(new Offered(80, "tcp", "img-80", List.of("primary", "v2", "a-b"), List.of()),
                new Offered(81, "tcp", "img-81", List.of("canary"), List.of())), plan.offered());
        assertEquals(List.of(), plan("img", Map.of("SERVICE_TAGS", ",,-,"), Map.of(), "80/tcp").offered().getFirst().tags());
    }

    @Test
    void namesBecomeDnsLabels() {
        assertEquals("my-svc-v2", ServiceNaming.label("My.Svc_v2", 63));
        assertEquals("web", ServiceNaming.label("--web--", 63));
        assertEquals("xn--bcher-kva", ServiceNaming.label("xn--bcher-kva", 63));
        assertEquals("w-b", ServiceNaming.label("wéb", 63));
        assertEquals("a".repeat(63), ServiceNaming.label("a".repeat(100_000), 63));
        assertEquals("ab", ServiceNaming.label("ab-----x", 3), "no '-' left at the cut");
        assertEquals("", ServiceNaming.label("___", 63));
        // With several ports the suffix survives the cut, so two ports never share a truncated name.
        assertEquals(List.of("80/tcp=" + "a".repeat(60) + "-80", "81/tcp=" + "a".repeat(60) + "-81"),
                names(plan("a".repeat(80), Map.of(), Map.of(), "80/tcp", "81/tcp")));
    }

    @Test
    void oddLabelsAndPortsAreRefusedWithReasonsNeverThrown() {
        Plan plan = plan("img", Map.of("SERVICE_NAME", "\u0000\n!!", "SERVICE_TAGS", "\uD83D\uDE00"),
                Map.of("SERVICE_", "x", "SERVICE__NAME", "y", "SERVICE_99999_NAME", "z"),
                "80/tcp", "0/tcp", "65536/udp", "abc/tcp", "80/quic", "80", "/tcp", "99999999999999999999/tcp");
        assertEquals(List.of(), plan.offered());
        assertEquals(8, plan.refused().size(), plan.toString());
        assertTrue(plan.refused().stream().anyMatch(r -> r.port().equals("80/tcp") && r.reason().contains("nothing a DNS label keeps")
                && !r.reason().contains("\n")), plan.toString());
        assertTrue(plan.refused().stream().filter(r -> !r.port().equals("80/tcp"))
                .allMatch(r -> r.reason().startsWith("not a port Docker exposes")), plan.toString());
        String huge = "x".repeat(1_000_000);
        Plan big = plan("img", Map.of("SERVICE_IGNORE", huge), Map.of(), "80/tcp");
        assertTrue(big.refused().getFirst().reason().length() < 200, "a huge value is cut in the reason");
    }

    @Test
    void aContainerWithoutPortsIsToldHowToExposeOne() {
        Plan plan = plan("img", Map.of("SERVICE_NAME", "web"), Map.of());
        assertEquals(List.of(), plan.offered());
        assertEquals(1, plan.refused().size());
        assertEquals(null, plan.refused().getFirst().port());
        assertTrue(plan.refused().getFirst().reason().contains("docker run --expose"), plan.toString());
    }

    private static List<HttpRoute> routes(Plan plan, int port) {
        return plan.offered().stream().filter(o -> o.port() == port && o.protocol().equals("tcp")).findFirst()
                .orElseThrow(() -> new AssertionError(port + " is not offered: " + plan)).http();
    }

    private static Map<String, String> labels(String... pairs) {
        Map<String, String> labels = new HashMap<>();
        for (int i = 0; i < pairs.length; i += 2) {
            labels.put(pairs[i], pairs[i + 1]);
        }
        return labels;
    }

    @Test
    void httpLabelsRouteTheOnlyTcpPortForEachHostLowercased() {
        Plan plan = plan("img", labels("overlayd.http.host", " API.example.com, www.example.com.,,api.example.com"),
                Map.of(), "8080/tcp", "53/udp");
        assertEquals(List.of(new HttpRoute("api.example.com", "/"), new HttpRoute("www.example.com", "/")), routes(plan, 8080),
                "one route per host, lowercased, deduplicated, the path / by default");
        assertEquals(List.of(), plan.refused());
        assertEquals(List.of(), plan.offered().stream().filter(o -> o.protocol().equals("udp")).findFirst().orElseThrow().http());
    }

    @Test
    void anyHttpLabelRoutesAndAPathAloneTakesAnyHost() {
        assertEquals(List.of(new HttpRoute(null, "/v1")),
                routes(plan("img", labels("overlayd.http.path", "/v1/"), Map.of(), "80/tcp"), 80), "the trailing / dropped");
        assertEquals(List.of(new HttpRoute(null, "/")), routes(plan("img", labels("overlayd.http.port", "80"), Map.of(), "80/tcp"), 80));
        assertEquals(List.of(new HttpRoute(null, "/")), routes(plan("img", labels("overlayd.http.host", " "), Map.of(), "80/tcp"), 80),
                "an empty value is the default");
        assertEquals(List.of(), routes(plan("img", labels("overlayd.https", "x", "overlayd.http", "y"), Map.of(), "80/tcp"), 80),
                "only overlayd.http.* labels route");
        assertEquals(List.of(), routes(plan("img", Map.of(), Map.of("overlayd.http.host", "api.example.com"), "80/tcp"), 80),
                "labels, not the environment");
    }

    @Test
    void thePortLabelPicksOneOfSeveralAndTheOthersStayUnrouted() {
        Plan plan = plan("img", labels("overlayd.http.port", "8080", "overlayd.http.host", "api.example.com",
                "overlayd.http.path", "/v1/users"), Map.of(), "9090/tcp", "8080/tcp");
        assertEquals(List.of(new HttpRoute("api.example.com", "/v1/users")), routes(plan, 8080));
        assertEquals(List.of(), routes(plan, 9090));
        assertEquals(List.of(), plan.refused());
        assertEquals(List.of(new HttpRoute(null, "/")),
                routes(plan("img", labels("overlayd.http.port", "8080/tcp"), Map.of(), "8080/tcp", "9090/tcp"), 8080));
        assertEquals(List.of(new HttpRoute(null, "/")),
                routes(plan("img", labels("overlayd.http.path", "/"), Map.of(), "8080/tcp", "53/udp"), 8080),
                "the only TCP port, whatever UDP ports it has");
    }

    @Test
    void routingThatCannotBeFollowedIsRefusedWithItsReasonAndThePortsStillRegister() {
        assertNotRouted(null, "several TCP ports (8080/tcp, 9090/tcp): say which takes the requests with overlayd.http.port",
                labels("overlayd.http.host", "api.example.com"), "8080/tcp", "9090/tcp");
        assertNotRouted(null, "no TCP port", labels("overlayd.http.path", "/"), "53/udp");
        assertNotRouted(null, "overlayd.http.port='8081' is not a TCP port it exposes (8080/tcp)",
                labels("overlayd.http.port", "8081"), "8080/tcp");
        assertNotRouted(null, "is not a TCP port it exposes", labels("overlayd.http.port", "53"), "8080/tcp", "53/udp");
        assertNotRouted(null, "is not a TCP port it exposes", labels("overlayd.http.port", "http"), "8080/tcp");
        assertNotRouted(null, "is not a TCP port it exposes", labels("overlayd.http.port", "-8080"), "8080/tcp");
        assertNotRouted("8080/tcp", "overlayd.http.path='v1' does not begin with /", labels("overlayd.http.path", "v1"), "8080/tcp");
        for (String path : List.of("/a b", "/v1?x=1", "/v1#top", "/v1/../admin", "/./x", "/caf\u00e9", "/a\nb", "/%zz")) {
            assertNotRouted("8080/tcp", "is not a URL path prefix", labels("overlayd.http.path", path), "8080/tcp");
        }
        for (String host : List.of("api.example.com:443", "*.example.com", "-api.example.com", "api..example.com",
                "api_1.example.com", "b\u00fccher.de", "a".repeat(64) + ".com", "x.".repeat(127) + "xy", "[::1]")) {
            assertNotRouted("8080/tcp", "is not a host name", labels("overlayd.http.host", "ok.example.com," + host), "8080/tcp");
        }
        assertNotRouted(null, "unknown label 'overlayd.http.hosts'", labels("overlayd.http.hosts", "api.example.com"), "8080/tcp");
        Plan huge = plan("img", labels("overlayd.http.path", "x".repeat(1_000_000)), Map.of(), "8080/tcp");
        assertTrue(huge.refused().getFirst().reason().length() < 200, "a huge value is cut in the reason");
        for (String path : List.of("/" + "a".repeat(1_000_000), "/" + "a".repeat(1_000_000) + " ", "/%4" + "1".repeat(1_000_000))) {
            Plan read = plan("img", labels("overlayd.http.path", path, "overlayd.http.host", "x".repeat(1_000_000)), Map.of(), "8080/tcp");
            assertEquals(1, read.refused().size(), "a long label is read, never a stack overflow");
        }
        assertEquals(List.of(new HttpRoute(null, "/a%2Fb/~x;v=1")),
                routes(plan("img", labels("overlayd.http.path", "/a%2Fb/~x;v=1"), Map.of(), "8080/tcp"), 8080));
    }

    @Test
    void aRouteToAPortThatIsNotRegisteredIsRefusedToo() {
        Plan plan = plan("img", labels("overlayd.http.port", "81"), Map.of("SERVICE_81_IGNORE", "true"), "80/tcp", "81/tcp");
        assertEquals(List.of(new Refused("81/tcp", "ignored: SERVICE_81_IGNORE='true'"),
                new Refused("81/tcp", "not routed: the port it names is not registered either")), plan.refused());
        assertEquals(List.of(), routes(plan, 80));
    }

    private static void assertNotRouted(String port, String reason, Map<String, String> labels, String... ports) {
        Plan plan = plan("img", labels, Map.of(), ports);
        assertEquals(ports.length, plan.offered().size(), "every port still registers: " + plan);
        assertTrue(plan.offered().stream().allMatch(o -> o.http().isEmpty()), plan.toString());
        assertEquals(1, plan.refused().size(), plan.toString());
        Refused refused = plan.refused().getFirst();
        assertEquals(port, refused.port(), plan.toString());
        assertTrue(refused.reason().startsWith(ServiceNaming.NOT_ROUTED) && refused.reason().contains(reason)
                && !refused.reason().contains("\n"), labels + ": " + refused.reason());
    }
}
