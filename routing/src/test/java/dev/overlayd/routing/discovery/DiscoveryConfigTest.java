package dev.overlayd.routing.discovery;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.overlayd.node.plugin.PluginConfigException;
import org.junit.jupiter.api.Test;

class DiscoveryConfigTest {
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());

    private static DiscoveryConfig parse(String yaml) throws Exception {
        return DiscoveryConfig.parse(YAML.readTree("discovery: " + yaml).get("discovery"));
    }

    private static String refusal(String yaml) {
        return assertThrows(PluginConfigException.class, () -> parse(yaml)).getMessage();
    }

    @Test
    void nothingWrittenIsAllTheDefaults() throws Exception {
        assertEquals(DiscoveryConfig.DEFAULTS, parse("{}"));
        assertEquals(DiscoveryConfig.DEFAULTS, DiscoveryConfig.parse(YAML.readTree("discovery:\n").get("discovery")));
        assertEquals("overlay", DiscoveryConfig.DEFAULTS.domain());
        assertTrue(DiscoveryConfig.DEFAULTS.dns().enabled());
        assertEquals(53, DiscoveryConfig.DEFAULTS.dns().port());
    }

    @Test
    void everyKeyAsWritten() throws Exception {
        DiscoveryConfig c = parse("{domain: Svc.Example.Internal., docker: 'unix:///run/d.sock', "
                + "dns: {listen: 100.64.0.1, port: 5353, ttl: 2s, forward: [198.18.0.254, '198.18.0.253:5353']}}");
        assertEquals("svc.example.internal", c.domain());
        assertEquals(Path.of("/run/d.sock"), c.docker());
        assertEquals("100.64.0.1", c.dns().listen().getHostAddress());
        assertEquals(5353, c.dns().port());
        assertEquals(Duration.ofSeconds(2), c.dns().ttl());
        assertEquals(List.of(new InetSocketAddress("198.18.0.254", 53), new InetSocketAddress("198.18.0.253", 5353)),
                c.dns().forward());
    }

    @Test
    void theDnsServerCanBeTurnedOffAsYamlWritesOff() throws Exception {
        assertFalse(parse("{dns: off}").dns().enabled());
        assertFalse(parse("{dns: {listen: off}}").dns().enabled());
        assertFalse(parse("{docker: off}").registers(), "a node without dockerd only follows the catalog");
        assertTrue(parse("{}").registers());
        assertTrue(parse("{dns: {listen: overlay}}").dns().enabled());
    }

    @Test
    void oneResolverNeedsNoList() throws Exception {
        assertEquals(List.of(new InetSocketAddress("198.18.0.254", 53)), parse("{dns: {forward: 198.18.0.254}}").dns().forward());
        assertEquals(List.of(), parse("{dns: {forward: []}}").dns().forward(), "no forwarding at all");
        assertEquals(null, parse("{dns: {}}").dns().forward(), "the host's resolvers");
    }

    @Test
    void mistakesAreSaidInTheWordsOfOverlayYaml() {
        assertEquals("discovery.domian: unknown key (known: domain, docker, dns)", refusal("{domian: x}"));
        assertTrue(refusal("{domain: 'bad_domain'}").startsWith("discovery.domain: 'bad_domain' is not a DNS domain"));
        assertEquals("discovery.dns.port: 70000 is not a whole number from 1 to 65535", refusal("{dns: {port: 70000}}"));
        assertTrue(refusal("{dns: {prot: 53}}").startsWith("discovery.dns.prot: unknown key"));
        assertTrue(refusal("{docker: 42}").startsWith("discovery.docker: must be a non-empty string"));
        assertTrue(refusal("{dns: {ttl: soon}}").startsWith("discovery.dns.ttl: 'soon' is not a duration"));
        assertEquals("discovery.dns.ttl: 90m is not from 0s to 60m", refusal("{dns: {ttl: 90m}}"));
        assertTrue(refusal("{dns: {listen: everywhere}}").startsWith("discovery.dns.listen"));
        assertTrue(refusal("{dns: {forward: [resolver.example]}}").startsWith("discovery.dns.forward: 'resolver.example'"));
        assertTrue(refusal("{docker: 'tcp://198.18.0.1:2375'}").startsWith("discovery.docker: "));
        assertTrue(refusal("[1, 2]").startsWith("discovery: must be a map"));
    }
}
