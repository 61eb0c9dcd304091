package dev.overlayd.routing.edge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.overlayd.node.plugin.PluginConfigException;
import org.junit.jupiter.api.Test;

class EdgeConfigTest {
    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory());
    /** The two keys that must be written. */
    private static final String MINIMAL = "https: {certificates: [{cert: /etc/tls/api.pem, key: /etc/tls/api.key}]}, "
            + "proxy_protocol: {trusted: [198.18.0.0/24]}";

    private static EdgeConfig parse(String yaml) throws Exception {
        return EdgeConfig.parse(YAML.readTree("edge: {" + yaml + "}").get("edge"));
    }

    /** The refusal of {@code yaml} begins with {@code start}. */
    private static void refused(String start, String yaml) {
        String message = refusal(yaml);
        assertTrue(message.startsWith(start), message);
    }

    private static String refusal(String yaml) {
        return assertThrows(PluginConfigException.class, () -> parse(yaml)).getMessage();
    }

    @Test
    void onlyCertificatesAndTheBalancersRangeMustBeWritten() throws Exception {
        EdgeConfig c = parse(MINIMAL);
        assertEquals(new InetSocketAddress("0.0.0.0", 443), c.https().listen());
        assertEquals(List.of(new EdgeConfig.CertificateFiles(Path.of("/etc/tls/api.pem"), Path.of("/etc/tls/api.key"))),
                c.https().certificates());
        assertEquals(EdgeConfig.PROTOCOLS, c.https().protocols());
        assertEquals(EdgeConfig.CIPHERS, c.https().ciphers());
        assertNull(c.redirect(), "no plain-HTTP port unless asked for");
        assertEquals(Duration.ofSeconds(3), c.proxyProtocol().timeout());
        assertEquals(new EdgeConfig.Timeouts(Duration.ofSeconds(10), Duration.ofSeconds(60), Duration.ofSeconds(2),
                Duration.ofSeconds(60)), c.timeouts());
        assertEquals(new EdgeConfig.Limits(4096, 8192, 100, 100L << 20), c.limits());
        assertEquals(new EdgeConfig.Upstreams(32, 5, Duration.ofSeconds(30)), c.upstreams());
        assertEquals(List.of(), c.routes());
        assertEquals(new EdgeConfig.AccessLog(Path.of("/var/log/overlayd/access.log"), EdgeConfig.LogFormat.JSON, false, false),
                c.accessLog());
    }

    @Test
    void everyKeyAsWritten() throws Exception {
        EdgeConfig c = parse("""
                https: {listen: '127.0.0.1:8443', certificates: [{cert: a.pem, key: a.key}, {cert: b.pem, key: b.key}],
                        protocols: [TLSv1.3], ciphers: [ECDHE-RSA-AES128-GCM-SHA256]},
                http: {listen: ':8080'},
                proxy_protocol: {trusted: [198.18.0.0/24, 198.19.0.7, '2001:db8::/32'], timeout: 500ms},
                timeouts: {request_headers: 5s, idle: 2m, upstream_connect: 250ms, upstream_response: 30s},
                limits: {request_line: 8192, header_size: 16KiB, header_count: 50, body: 1GiB},
                upstreams: {idle_per_loop: 8, eject_after: 3, ejection: 10s},
                routes: [{host: API.Example.com, path: /v1, service: api}, {service: web}],
                access_log: {path: /tmp/edge/access.log, format: combined, query: true, on_failure: refuse}
                """);
        assertEquals(new InetSocketAddress("127.0.0.1", 8443), c.https().listen());
        assertEquals(2, c.https().certificates().size());
        assertEquals(List.of("TLSv1.3"), c.https().protocols());
        assertEquals(List.of("ECDHE-RSA-AES128-GCM-SHA256"), c.https().ciphers());
        assertEquals(new InetSocketAddress("0.0.0.0", 8080), c.redirect(), ":PORT is every address");
        assertEquals(Duration.ofMillis(500), c.proxyProtocol().timeout());
        assertEquals(new EdgeConfig.Timeouts(Duration.ofSeconds(5), Duration.ofMinutes(2), Duration.ofMillis(250),
                Duration.ofSeconds(30)), c.timeouts());
        assertEquals(new EdgeConfig.Limits(8192, 16 << 10, 50, 1L << 30), c.limits());
        assertEquals(new EdgeConfig.Upstreams(8, 3, Duration.ofSeconds(10)), c.upstreams());
        assertEquals(List.of(new EdgeConfig.StaticRoute("api.example.com", "/v1", "api"), new EdgeConfig.StaticRoute(null, "/", "web")),
                c.routes());
        assertEquals(new EdgeConfig.AccessLog(Path.of("/tmp/edge/access.log"), EdgeConfig.LogFormat.COMBINED, true, true),
                c.accessLog());
    }

    @Test
    void onlyTheBalancersAddressesAreTrusted() throws Exception {
        EdgeConfig.ProxyProtocol p = parse("https: {certificates: [{cert: a, key: b}]}, "
                + "proxy_protocol: {trusted: [198.18.0.0/24, 198.19.0.7, '2001:db8::/32']}").proxyProtocol();
        assertTrue(p.trusts(InetAddress.getByName("198.18.0.200")));
        assertTrue(p.trusts(InetAddress.getByName("198.19.0.7")), "a lone address is a /32");
        assertTrue(p.trusts(InetAddress.getByName("2001:db8::1")));
        assertFalse(p.trusts(InetAddress.getByName("198.18.1.1")));
        assertFalse(p.trusts(InetAddress.getByName("198.19.0.8")));
        assertFalse(p.trusts(InetAddress.getByName("2001:db9::1")));
    }

    @Test
    void offTurnsTheRedirectPortOff() throws Exception {
        assertNull(parse(MINIMAL + ", http: off").redirect());
        assertEquals(new InetSocketAddress("0.0.0.0", 80), parse(MINIMAL + ", http: {}").redirect());
    }

    @Test
    void theEdgesOwnMetricsPortIsGoneAndSaysWhereItWent() {
        for (String metrics : new String[] {"metrics: {listen: '127.0.0.1:9100'}", "metrics: {listen: off}", "metrics: {}"}) {
            String refusal = refusal(MINIMAL + ", " + metrics);
            assertTrue(refusal.startsWith("edge.metrics: ") && refusal.contains("top-level metrics.listen"), refusal);
        }
    }

    @Test
    void eachMistakeNamesItsKey() {
        String certs = "https: {certificates: [{cert: a, key: b}]}";
        String trusted = "proxy_protocol: {trusted: [198.18.0.0/24]}";
        refused("edge.https.certificates: at least one certificate", trusted);
        refused("edge.https.certificates[0].cert: ", "https: {certificates: [{cert: a}]}, " + trusted);
        refused("edge.proxy_protocol.trusted: name the balancer's addresses", certs);
        refused("edge.proxy_protocol.trusted: 'the-balancer' is not an address", certs + ", proxy_protocol: {trusted: [the-balancer]}");
        refused("edge.proxy_protocol.timeout: 5m is not from", certs + ", proxy_protocol: {trusted: [198.18.0.1], timeout: 5m}");
        refused("edge.https.protocols: TLSv1.1 is not offered", "https: {certificates: [{cert: a, key: b}], protocols: [TLSv1.1]}, " + trusted);
        refused("edge.https.ciphers: must name at least one", "https: {certificates: [{cert: a, key: b}], ciphers: []}, " + trusted);
        refused("edge.https.listen: 'everywhere:443' is not an address:port", "https: {certificates: [{cert: a, key: b}], listen: 'everywhere:443'}, " + trusted);
        refused("edge.http.listen: ", MINIMAL + ", http: {listen: 80}");
        refused("edge.timeouts.idle: ", MINIMAL + ", timeouts: {idle: forever}");
        refused("edge.timeouts.upstream_connect: 1ms is not from", MINIMAL + ", timeouts: {upstream_connect: 1ms}");
        refused("edge.limits.body: \"lots\" is not a size", MINIMAL + ", limits: {body: lots}");
        refused("edge.limits.header_count: 1 is not a whole number", MINIMAL + ", limits: {header_count: 1}");
        refused("edge.upstreams.eject_after: ", MINIMAL + ", upstreams: {eject_after: 0}");
        refused("edge.routes[0].service: ", MINIMAL + ", routes: [{path: /v1}]");
        refused("edge.routes[1].path: 'v1' does not begin with /", MINIMAL + ", routes: [{service: a}, {service: b, path: v1}]");
        refused("edge.access_log.format: 'xml' is neither json nor combined", MINIMAL + ", access_log: {format: xml}");
        refused("edge.access_log.on_failure: ", MINIMAL + ", access_log: {on_failure: ignore}");
        refused("edge.access_log.query: must be true or false", MINIMAL + ", access_log: {query: sometimes}");
    }

    @Test
    void unknownKeysAreRefusedAtEveryLevel() {
        assertEquals("edge.htps: unknown key (known: https, http, proxy_protocol, timeouts, limits, upstreams, routes, "
                + "access_log)", refusal(MINIMAL + ", htps: {}"));
        refused("edge.https.lisen: unknown key", "https: {certificates: [{cert: a, key: b}], lisen: ':443'}, proxy_protocol: {trusted: [198.18.0.1]}");
        refused("edge.https.certificates[0].password: unknown key", "https: {certificates: [{cert: a, key: b, password: x}]}, proxy_protocol: {trusted: [198.18.0.1]}");
        refused("edge.routes[0].hots: unknown key", MINIMAL + ", routes: [{hots: a.example, service: a}]");
        refused("edge.access_log.fromat: unknown key", MINIMAL + ", access_log: {fromat: json}");
        refused("edge.timeouts.header: unknown key", MINIMAL + ", timeouts: {header: 1s}");
        refused("edge.https: must be a map", "https: [a]");
    }
}
