package dev.overlayd.node.config;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetSocketAddress;
import java.net.URI;
import dev.overlayd.peers.HostPort;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ClusterConfigTest {
    @TempDir
    Path dir;

    private ClusterConfig parse(String yaml) throws Exception {
        Path file = dir.resolve("overlay.yaml");
        Files.writeString(file, yaml);
        return ClusterConfig.parse(file);
    }

    private String error(String yaml) {
        return assertThrows(ConfigException.class, () -> parse(yaml)).problem();
    }

    @Test
    void theThreeFilesAloneGiveWorkingDefaultsWithPathsFromTheFilesDirectory() throws Exception {
        ClusterConfig c = parse("ca: ca.crt\ncertificate: node.crt\nkey: /etc/overlayd/node.key\n");
        assertEquals(dir.resolve("ca.crt"), c.ca());
        assertEquals(Path.of("/etc/overlayd/node.key"), c.key());
        assertEquals("overlay0", c.interfaceName());
        assertEquals(51820, c.listenPort());
        assertEquals(ClusterConfig.Backend.EMBEDDED, c.backend());
        assertEquals(Duration.ofSeconds(10), c.ttl());
        assertEquals(51821, c.gossipPort());
        assertEquals(List.of(), c.seeds());
        assertNull(c.advertise());
        assertEquals(List.of(), c.hosts());
        assertEquals(Path.of("/var/lib/overlayd/overlay0"), c.state());
        assertNull(c.crl());
        assertNull(c.metrics(), "no metrics port unless asked for");
    }

    private static final String TOKEN = new dev.overlayd.membership.enrolment.JoinToken("issuer-1.example", "0a1b2c3d",
            new byte[32], new byte[32]).text();

    @Test
    void aTokenAloneEnrolsIntoTheStateDirectoryUnderTheHostsNameOrTheOneGiven() throws Exception {
        ClusterConfig c = parse("token: \"" + TOKEN + "\"\nstate: state\nname: web-7\n");
        assertEquals("0a1b2c3d", c.enrolment().token().id());
        assertEquals("issuer-1.example", c.enrolment().token().issuer());
        assertEquals("web-7", c.enrolment().name());
        assertEquals(dir.resolve("state/ca.crt"), c.ca());
        assertEquals(dir.resolve("state/node.crt"), c.certificate());
        assertEquals(dir.resolve("state/node.key"), c.key());
        Files.writeString(dir.resolve("token"), TOKEN + "\n");
        assertEquals("0a1b2c3d", parse("token_file: token\n").enrolment().token().id());
        assertNull(parse("ca: a\ncertificate: b\nkey: c\n").enrolment());
        assertNull(parse("ca: a\ncertificate: b\nkey: c\n").issuing());
    }

    @Test
    void anIssuingMemberNamesItsIssuerAndMayShortenWhatItIssues() throws Exception {
        String files = "ca: a\ncertificate: b\nkey: c\n";
        ClusterConfig.Issuing i = parse(files + "enrolment:\n  issuer: {certificate: i.crt, key: i.key}\n  lifetime: 90s\n"
                + "  grace: 5s\n").issuing();
        assertEquals(dir.resolve("i.crt"), i.certificate());
        assertEquals(Duration.ofSeconds(90), i.lifetime());
        assertEquals(Duration.ofSeconds(5), i.grace());
        ClusterConfig.Issuing defaults = parse(files + "enrolment: {issuer: {certificate: i.crt, key: i.key}}\n").issuing();
        assertEquals(Duration.ofDays(7), defaults.lifetime());
        assertEquals(Duration.ofHours(24), defaults.grace());
    }

    @Test
    void enrolmentMistakesAreOneLine() {
        assertEquals("token and token_file contradict each other: keep one",
                error("token: \"" + TOKEN + "\"\ntoken_file: t\n"));
        assertTrue(error("token: ovl1.nope\n").startsWith("token: "), error("token: ovl1.nope\n"));
        assertTrue(error("token_file: missing\n").startsWith("token_file " + dir.resolve("missing") + " cannot be read"));
        assertEquals("name is the name to enrol as, with a token: the node's name is its certificate's otherwise",
                error("ca: a\ncertificate: b\nkey: c\nname: x\n"));
        assertEquals("enrolment.issuer needs certificate and key (issuers/NAME.crt and issuers/NAME.key, from overlayctl "
                + "ca issuer)", error("ca: a\ncertificate: b\nkey: c\nenrolment: {issuer: {certificate: i.crt}}\n"));
        assertEquals("enrolment.lifetime must be at least 60s", error("ca: a\ncertificate: b\nkey: c\n"
                + "enrolment: {issuer: {certificate: i.crt, key: i.key}, lifetime: 30s}\n"));
    }

    @Test
    void metricsAreServedWhereListenSaysOnAnAddressNeverAName() throws Exception {
        String files = "ca: a\ncertificate: b\nkey: c\n";
        assertEquals(new InetSocketAddress("127.0.0.1", 9586), parse(files + "metrics: {listen: 127.0.0.1:9586}\n").metrics());
        assertEquals(new InetSocketAddress("::1", 9586), parse(files + "metrics:\n  listen: '[::1]:9586'\n").metrics());
        assertEquals(new InetSocketAddress("198.18.0.7", 9100), parse(files + "metrics: {listen: '198.18.0.7:9100'}\n").metrics(),
                "another address is allowed (the node warns at start)");
        assertNull(parse(files + "metrics: {listen: off}\n").metrics());
        assertNull(parse(files + "metrics: {}\n").metrics());

        assertEquals("metrics.listen: 'localhost:9586' is not an address:port to serve metrics on, such as 127.0.0.1:9586 "
                + "(an IP address, not a host name)", error(files + "metrics: {listen: 'localhost:9586'}\n"));
        assertTrue(error(files + "metrics: {listen: '127.0.0.1'}\n").startsWith("metrics.listen: '127.0.0.1' is not"));
        assertTrue(error(files + "metrics: {listen: '127.0.0.1:70000'}\n").startsWith("metrics.listen: "));
        assertTrue(error(files + "metrics: {listen: 9586}\n").startsWith("metrics.listen is an address:port"));
        assertEquals("unknown key 'metrics.port' (metrics has only listen)", error(files + "metrics: {port: 9586}\n"));
        assertTrue(error(files + "metrics: 127.0.0.1:9586\n").startsWith("metrics is a section with listen"));
    }

    @Test
    void theStateDirectoryIsPerInterfaceByDefault() throws Exception {
        assertEquals(Path.of("/var/lib/overlayd/ovl1"), parse("interface: ovl1\nca: a\ncertificate: b\nkey: c\n").state());
    }

    @Test
    void everyKeyIsRead() throws Exception {
        ClusterConfig c = parse("""
                interface: ovl1
                ca: ca.crt
                certificate: node.crt
                key: node.key
                listen_port: 4000
                mtu: 1380
                seeds: ["198.18.0.1:51820", "[fd00::1]:51820", seeds.cluster.internal, "seed-2.internal:4000"]
                advertise: 198.18.0.9:4000
                hosts: [hosts/db1.crt, /etc/overlayd/db2.crt]
                state: state
                crl: /etc/overlayd/ca/revoked.crl
                membership:
                  backend: etcd
                  etcd:
                    endpoints: ["https://198.18.0.5:2379", "https://etcd-2.internal:2379"]
                    ca: etcd/ca.crt
                    certificate: etcd/node.crt
                    key: /etc/overlayd/etcd.key
                    user: overlayd
                    password_file: etcd/password
                  ttl: 3s
                  gossip_port: 4001
                """);
        assertEquals("ovl1", c.interfaceName());
        assertEquals(4000, c.listenPort());
        assertEquals(1380, c.mtu());
        assertEquals(List.of(new HostPort("198.18.0.1", 51820), new HostPort("fd00::1", 51820),
                new HostPort("seeds.cluster.internal", 51820), new HostPort("seed-2.internal", 4000)),
                c.seeds());
        assertEquals(new InetSocketAddress("198.18.0.9", 4000), c.advertise());
        assertEquals(List.of(dir.resolve("hosts/db1.crt"), Path.of("/etc/overlayd/db2.crt")), c.hosts());
        assertEquals(dir.resolve("state"), c.state());
        assertEquals(Path.of("/etc/overlayd/ca/revoked.crl"), c.crl());
        assertEquals(ClusterConfig.Backend.ETCD, c.backend());
        assertEquals(new ClusterConfig.Etcd(List.of(URI.create("https://198.18.0.5:2379"),
                URI.create("https://etcd-2.internal:2379")), false, dir.resolve("etcd/ca.crt"),
                dir.resolve("etcd/node.crt"), Path.of("/etc/overlayd/etcd.key"), "overlayd", dir.resolve("etcd/password")),
                c.etcd());
        assertEquals(4001, c.gossipPort());
        assertEquals(Duration.ofSeconds(3), c.ttl());
        assertEquals("membership.ttl must be at least 2s", error(
                "ca: a\ncertificate: b\nkey: c\nmembership:\n  ttl: 1500ms\n"));
    }

    @Test
    void mistakesAreOneLineNamingTheKey() {
        assertEquals("unknown key 'seed'", error("ca: a\ncertificate: b\nkey: c\nseed: [\"198.18.0.1:1\"]\n"));
        assertEquals("'key' is missing: the path of the node's private key", error("ca: a\ncertificate: b\n"));
        assertEquals("membership.backend is 'embedded' or 'etcd', not 'consul'",
                error("ca: a\ncertificate: b\nkey: c\nmembership:\n  backend: consul\n"));
        assertEquals("listen_port 70000 is not a port (1-65535)", error("ca: a\ncertificate: b\nkey: c\nlisten_port: 70000\n"));
        assertEquals("membership.ttl '10 minutes' is not a duration such as 10s, 500ms or 2m",
                error("ca: a\ncertificate: b\nkey: c\nmembership:\n  ttl: 10 minutes\n"));
        assertEquals("empty file: give at least ca, certificate and key (or a token)", error(""));
        // The name also names the default state directory: it must not climb out of /var/lib/overlayd.
        for (String bad : List.of("..", "a/b", "a\\nb", "overlay-interface0")) {
            assertEquals("interface '" + bad.replace("\\n", "\n") + "' is not an interface name (1 to 15 characters, "
                    + "no '/', ':' or space)", error("interface: \"" + bad + "\"\nca: a\ncertificate: b\nkey: c\n"));
        }
        assertEquals("seeds: 'seed one:51820' is not host:port (an address or a host name, e.g. 198.18.0.1:51820 "
                + "or seeds.cluster.internal)", error("ca: a\ncertificate: b\nkey: c\nseeds: [\"seed one:51820\"]\n"));
        assertEquals("seeds: '198.18.0.1:http' is not host:port (an address or a host name, e.g. 198.18.0.1:51820 "
                + "or seeds.cluster.internal)", error("ca: a\ncertificate: b\nkey: c\nseeds: [\"198.18.0.1:http\"]\n"));
    }

    @Test
    void etcdIsTlsWithAClientCertificateAndPlaintextOnlyWhenAskedFor() throws Exception {
        String etcd = "ca: a\ncertificate: b\nkey: c\nmembership:\n  backend: etcd\n";
        assertEquals("membership.etcd is missing: give its endpoints (e.g. https://10.0.0.5:2379), ca, certificate and key",
                error(etcd));
        assertEquals("membership.etcd.endpoints: http://198.18.0.5:2379 is plaintext, where anyone on the path can read "
                + "and rewrite the cluster's records: use https:// with ca, certificate and key, or set "
                + "membership.etcd.plaintext: true to allow it",
                error(etcd + "  etcd: {endpoints: [\"http://198.18.0.5:2379\"], ca: e.crt, certificate: n.crt, key: n.key}\n"));
        assertEquals("membership.etcd needs ca (etcd's CA certificate), certificate and key (this node's client "
                + "certificate for etcd and its key)", error(etcd + "  etcd: {endpoints: [\"https://198.18.0.5:2379\"]}\n"));
        assertEquals("membership.etcd.endpoints lists none (e.g. https://10.0.0.5:2379)",
                error(etcd + "  etcd: {ca: e.crt, certificate: n.crt, key: n.key}\n"));
        assertEquals("membership.etcd is a section: endpoints, ca, certificate, key (and user, password_file or "
                + "plaintext: true), not a list", error(etcd + "  etcd: [\"https://198.18.0.5:2379\"]\n"));
        assertEquals("membership.etcd: user and password_file go together (the password is read from that file, "
                + "never written in overlay.yaml)", error(etcd
                + "  etcd: {endpoints: [\"https://198.18.0.5:2379\"], ca: e.crt, certificate: n.crt, key: n.key, user: u}\n"));
        assertEquals("unknown key 'membership.etcd.password'", error(etcd
                + "  etcd: {endpoints: [\"https://198.18.0.5:2379\"], ca: e.crt, certificate: n.crt, key: n.key, password: x}\n"));
        assertEquals("membership.etcd.endpoints: 'https://198.18.0.5' is not https://host:port", error(etcd
                + "  etcd: {endpoints: [\"https://198.18.0.5\"], ca: e.crt, certificate: n.crt, key: n.key}\n"));

        ClusterConfig plaintext = parse(etcd + "  etcd: {endpoints: [\"http://198.18.0.5:2379\"], plaintext: true}\n");
        assertEquals(new ClusterConfig.Etcd(List.of(URI.create("http://198.18.0.5:2379")), true, null, null, null, null, null),
                plaintext.etcd());
        assertEquals("membership.etcd.endpoints: 'https://198.18.0.5:2379' is not http://host:port",
                error(etcd + "  etcd: {endpoints: [\"https://198.18.0.5:2379\"], plaintext: true}\n"));
        assertEquals("membership.etcd: plaintext: true and TLS files (ca, certificate, key) contradict each other: keep one",
                error(etcd + "  etcd: {endpoints: [\"http://198.18.0.5:2379\"], plaintext: true, ca: e.crt}\n"));
    }

    /** A plugin configured by {@code greeting} (a word); it records the section it was given. */
    private static final class GreetingProvider implements dev.overlayd.node.plugin.PluginProvider {
        private final String section;
        com.fasterxml.jackson.databind.JsonNode seen;

        GreetingProvider(String section) {
            this.section = section;
        }

        @Override
        public String section() {
            return section;
        }

        @Override
        public dev.overlayd.node.plugin.Plugin create(com.fasterxml.jackson.databind.JsonNode node)
                throws dev.overlayd.node.plugin.PluginConfigException {
            seen = node;
            if (node == null) {
                return null;
            }
            if (!node.path("greeting").isTextual()) {
                throw new dev.overlayd.node.plugin.PluginConfigException("greeting is missing: give a word");
            }
            return new dev.overlayd.node.plugin.Plugin() {
                @Override
                public void start(dev.overlayd.node.plugin.PluginContext context) {}

                @Override
                public void close() {}
            };
        }
    }

    private ConfigException pluginError(String yaml, GreetingProvider... providers) throws Exception {
        Path file = Files.writeString(dir.resolve("overlay.yaml"), yaml);
        return assertThrows(ConfigException.class, () -> ClusterConfig.parse(file, List.of(providers)));
    }

    @Test
    void aPluginsSectionIsHandedToItsProviderAndThePluginsKeepTheProvidersOrder() throws Exception {
        GreetingProvider dns = new GreetingProvider("dns");
        GreetingProvider containers = new GreetingProvider("containers");
        Path file = Files.writeString(dir.resolve("overlay.yaml"),
                "ca: a\ncontainers:\n  greeting: hello\n  extra: [1, 2]\ncertificate: b\nkey: c\n");
        ClusterConfig c = ClusterConfig.parse(file, List.of(dns, containers));
        assertEquals("hello", containers.seen.get("greeting").asText());
        assertEquals(2, containers.seen.get("extra").size());
        assertNull(dns.seen, "no section: the provider is told so, and its plugin does not run");
        assertEquals(List.of("containers"), c.plugins().stream().map(ConfiguredPlugin::section).toList());
    }

    @Test
    void aBadPluginSectionStopsTheStartInOneLineNamingTheSection() throws Exception {
        ConfigException e = pluginError("ca: a\ncertificate: b\nkey: c\ncontainers: {greting: hello}\n",
                new GreetingProvider("containers"));
        assertEquals("containers: greeting is missing: give a word", e.problem());
        assertEquals(dir.resolve("overlay.yaml") + ": containers: greeting is missing: give a word", e.getMessage());
    }

    @Test
    void aKeyNoPluginClaimsIsStillAnErrorWithItsLine() throws Exception {
        ConfigException e = pluginError("ca: a\ncertificate: b\ncontainers: {greeting: hello}\nkey: c\ndsn: on\nmtu: 1400\n",
                new GreetingProvider("containers"));
        assertEquals("unknown key 'dsn'", e.problem());
        assertEquals(5, e.line());
    }

    @Test
    void aPluginCannotClaimOverlaydsOwnKeysOrAnothersSection() throws Exception {
        assertTrue(pluginError("ca: a\ncertificate: b\nkey: c\n", new GreetingProvider("membership")).problem()
                .endsWith("claims the section 'membership', which is overlayd's own"));
        assertTrue(pluginError("ca: a\ncertificate: b\nkey: c\n", new GreetingProvider("dns"), new GreetingProvider("dns"))
                .problem().contains("claims the section 'dns', which"));
    }
}
