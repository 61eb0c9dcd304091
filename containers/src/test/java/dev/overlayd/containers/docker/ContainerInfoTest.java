package dev.overlayd.containers.docker;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;

import java.time.Instant;
import java.util.List;
import java.util.Map;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.google.common.net.InetAddresses;
import org.junit.jupiter.api.Test;

/** What an inspect gives the registration: image, environment, ports, health and each network's address. */
class ContainerInfoTest {
    private static ContainerInfo parse(String json) throws Exception {
        return ContainerInfo.from(new ObjectMapper().readTree(json));
    }

    @Test
    void readsWhatTheRegistrationNeeds() throws Exception {
        ContainerInfo c = parse("""
                {"Id": "abc", "Name": "/web",
                 "Config": {"Image": "registry:5000/team/web:1.2", "Labels": {"SERVICE_NAME": "web"},
                            "Env": ["PATH=/bin", "EMPTY=", "A=b=c", "NOVALUE"],
                            "ExposedPorts": {"8080/tcp": {}, "53/udp": {}}},
                 "State": {"Status": "running", "StartedAt": "2026-12-02T03:00:00.5Z", "Health": {"Status": "starting"}},
                 "NetworkSettings": {"Networks": {
                     "overlay": {"IPAMConfig": {"IPv4Address": "100.64.1.7"}, "IPAddress": "100.64.1.7"},
                     "bridge": {"IPAMConfig": null, "IPAddress": "172.17.0.2"},
                     "gone": {"IPAMConfig": {"IPv4Address": "100.64.1.9"}, "IPAddress": ""}}}}
                """);
        assertEquals("registry:5000/team/web:1.2", c.image());
        assertEquals(Map.of("PATH", "/bin", "EMPTY", "", "A", "b=c"), c.env());
        assertEquals(List.of("8080/tcp", "53/udp"), c.exposedPorts());
        assertEquals("starting", c.health());
        assertEquals(Instant.parse("2026-12-02T03:00:00.5Z"), c.startedAt());
        assertEquals(Map.of("overlay", InetAddresses.forString("100.64.1.7"), "bridge", InetAddresses.forString("172.17.0.2")),
                c.addresses());
        assertEquals(InetAddresses.forString("100.64.1.9"), c.networks().get("gone"), "the address asked for, as before");
    }

    @Test
    void aContainerWithoutHealthCheckPortsOrEnvironment() throws Exception {
        ContainerInfo c = parse("""
                {"Id": "abc", "Name": "/plain", "Config": {"Image": "busybox", "Env": null, "ExposedPorts": null},
                 "State": {"Status": "running", "Health": null}}
                """);
        assertNull(c.health());
        assertEquals(List.of(), c.exposedPorts());
        assertEquals(Map.of(), c.env());
        assertEquals(Map.of(), c.addresses());
    }
}
