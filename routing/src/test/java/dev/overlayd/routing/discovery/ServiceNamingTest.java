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
}
