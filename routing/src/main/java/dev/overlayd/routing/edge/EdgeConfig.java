package dev.overlayd.routing.edge;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import com.fasterxml.jackson.databind.JsonNode;
import com.google.common.net.InetAddresses;
import dev.overlayd.node.plugin.PluginConfigException;
import dev.overlayd.node.plugin.SectionReader;
import dev.overlayd.peers.HostPort;
import dev.overlayd.peers.IpPrefix;

/**
 * The {@code edge:} section of overlay.yaml, the request router on this node:
 * <pre>
 * edge:
 *   https:
 *     listen: 0.0.0.0:443
 *     certificates:                  # PEM files; chosen by SNI from each certificate's names,
 *       - cert: /etc/overlayd/tls/api.pem    # the first for clients that send none
 *         key: /etc/overlayd/tls/api.key
 *     protocols: [TLSv1.3, TLSv1.2]
 *     ciphers: [ECDHE-ECDSA-AES128-GCM-SHA256, ...]   # TLS 1.2's; 1.3 has its own fixed set
 *   http:                            # a plain-HTTP port that only redirects to HTTPS (off by default)
 *     listen: 0.0.0.0:80
 *   proxy_protocol:                  # required on both ports: the balancer sends it, nobody else may
 *     trusted: [198.18.0.0/24]       # the balancer's subnet; others are closed and logged
 *     timeout: 3s                    # the header must be complete by then
 *   timeouts:
 *     request_headers: 10s           # a request's line and headers, all of them (slowloris)
 *     idle: 60s                      # a client connection with no request in flight
 *     upstream_connect: 2s
 *     upstream_response: 60s         # to the response's headers
 *   limits:
 *     request_line: 4096
 *     header_size: 8192              # all the headers together
 *     header_count: 100
 *     body: 100MiB                   # a request body, streamed; larger ones get 413
 *   upstreams:
 *     idle_per_loop: 32              # idle keep-alive connections kept per copy and event loop (more while the load needs them)
 *     eject_after: 5                 # consecutive failures of a copy before it is ejected
 *     ejection: 30s                  # for this long, times the ejections in a row
 *   routes:                          # besides the containers' overlayd.http.* labels
 *     - {host: api.example.com, path: /v1, service: api}
 *   access_log:
 *     path: /var/log/overlayd/access.log
 *     format: json                   # or combined (nginx's, with the client's address first)
 *     query: false                   # URLs can carry PHI: the query string is left out unless true
 *     on_failure: serve              # or refuse: 503 rather than a request served unlogged
 * </pre>
 * Only {@code https.certificates} and {@code proxy_protocol.trusted} must be given. The edge's
 * meters are the node's, served where the top-level {@code metrics.listen} says: an
 * {@code edge.metrics} (this section's own port, once) is refused with a pointer to it.
 */
public record EdgeConfig(Https https, InetSocketAddress redirect, ProxyProtocol proxyProtocol, Timeouts timeouts,
                         Limits limits, Upstreams upstreams, List<StaticRoute> routes, AccessLog accessLog) {
    public record Https(InetSocketAddress listen, List<CertificateFiles> certificates, List<String> protocols,
                        List<String> ciphers) {}

    public record CertificateFiles(Path cert, Path key) {}

    public record ProxyProtocol(List<IpPrefix> trusted, Duration timeout) {
        /** Whether a connection from {@code address} may send a PROXY header. */
        public boolean trusts(java.net.InetAddress address) {
            byte[] ip = address.getAddress();
            return trusted.stream().anyMatch(p -> p.contains(ip));
        }
    }

    public record Timeouts(Duration requestHeaders, Duration idle, Duration upstreamConnect, Duration upstreamResponse) {}

    public record Limits(int requestLine, int headerSize, int headerCount, long body) {}

    public record Upstreams(int idlePerLoop, int ejectAfter, Duration ejection) {}

    /** A route from overlay.yaml: {@code host} null is any host. */
    public record StaticRoute(String host, String path, String service) {}

    public enum LogFormat { JSON, COMBINED }

    public record AccessLog(Path path, LogFormat format, boolean query, boolean refuseUnlogged) {}

    public static final List<String> PROTOCOLS = List.of("TLSv1.3", "TLSv1.2");
    /** TLS 1.2's forward-secret AEAD suites, as Mozilla's "intermediate" profile lists them. */
    public static final List<String> CIPHERS = List.of(
            "ECDHE-ECDSA-AES128-GCM-SHA256", "ECDHE-RSA-AES128-GCM-SHA256",
            "ECDHE-ECDSA-AES256-GCM-SHA384", "ECDHE-RSA-AES256-GCM-SHA384",
            "ECDHE-ECDSA-CHACHA20-POLY1305", "ECDHE-RSA-CHACHA20-POLY1305");

    private static final List<String> KEYS = List.of("https", "http", "proxy_protocol", "timeouts", "limits",
            "upstreams", "routes", "access_log");

    public static EdgeConfig parse(JsonNode node) throws PluginConfigException {
        if (node != null && node.isObject() && node.has("metrics")) {
            throw new PluginConfigException("edge.metrics: the edge has no metrics port of its own any more: its meters "
                    + "are the node's, served with the node's own where overlay.yaml's top-level metrics.listen says "
                    + "(metrics: {listen: 127.0.0.1:9586}); move the address there");
        }
        SectionReader edge = SectionReader.of("edge", node, KEYS);
        SectionReader h = edge.section("https", List.of("listen", "certificates", "protocols", "ciphers"));
        List<CertificateFiles> certificates = new ArrayList<>();
        for (JsonNode c : h.list("certificates")) {
            SectionReader pair = SectionReader.of(h.name("certificates[" + certificates.size() + "]"), c, List.of("cert", "key"));
            String cert = pair.text("cert", null);
            String key = pair.text("key", null);
            if (cert == null || key == null) {
                throw pair.error("cert", "each certificate needs cert and key (PEM files)");
            }
            certificates.add(new CertificateFiles(Path.of(cert), Path.of(key)));
        }
        if (certificates.isEmpty()) {
            throw h.error("certificates", "at least one certificate (cert and key, PEM files) is needed to serve HTTPS");
        }
        List<String> protocols = strings(h, "protocols", PROTOCOLS);
        for (String p : protocols) {
            if (!PROTOCOLS.contains(p)) {
                throw h.error("protocols", p + " is not offered: only TLSv1.3 and TLSv1.2");
            }
        }
        Https https = new Https(address(h, "listen", "0.0.0.0:443"), List.copyOf(certificates), protocols,
                strings(h, "ciphers", CIPHERS));

        InetSocketAddress redirect = null;
        if (edge.has("http") && !edge.off("http")) {
            redirect = address(edge.section("http", List.of("listen")), "listen", "0.0.0.0:80");
        }

        SectionReader p = edge.section("proxy_protocol", List.of("trusted", "timeout"));
        List<IpPrefix> trusted = new ArrayList<>();
        for (JsonNode range : p.list("trusted")) {
            try {
                String text = range.asText().strip();
                trusted.add(text.contains("/") ? IpPrefix.parse(text)
                        : IpPrefix.of(InetAddresses.forString(text), InetAddresses.forString(text).getAddress().length * 8));
            } catch (IllegalArgumentException e) {
                throw p.error("trusted", "'" + range.asText() + "' is not an address or a range such as 198.18.0.0/24");
            }
        }
        if (trusted.isEmpty()) {
            throw p.error("trusted", "name the balancer's addresses (a range such as 198.18.0.0/24): only they may say who the client is");
        }
        ProxyProtocol proxyProtocol = new ProxyProtocol(List.copyOf(trusted),
                p.duration("timeout", Duration.ofSeconds(3), Duration.ofMillis(100), Duration.ofMinutes(1)));

        SectionReader t = edge.section("timeouts", List.of("request_headers", "idle", "upstream_connect", "upstream_response"));
        Duration max = Duration.ofHours(1);
        Duration min = Duration.ofMillis(10);
        Timeouts timeouts = new Timeouts(
                t.duration("request_headers", Duration.ofSeconds(10), min, max),
                t.duration("idle", Duration.ofSeconds(60), min, max),
                t.duration("upstream_connect", Duration.ofSeconds(2), min, max),
                t.duration("upstream_response", Duration.ofSeconds(60), min, max));

        SectionReader l = edge.section("limits", List.of("request_line", "header_size", "header_count", "body"));
        Limits limits = new Limits(
                (int) l.size("request_line", 4096, 256, 65536),
                (int) l.size("header_size", 8192, 1024, 1 << 20),
                l.integer("header_count", 100, 8, 10_000),
                l.size("body", 100L << 20, 0, 1L << 40));

        SectionReader u = edge.section("upstreams", List.of("idle_per_loop", "eject_after", "ejection"));
        Upstreams upstreams = new Upstreams(u.integer("idle_per_loop", 32, 0, 4096), u.integer("eject_after", 5, 1, 1000),
                u.duration("ejection", Duration.ofSeconds(30), Duration.ofSeconds(1), max));

        List<StaticRoute> routes = new ArrayList<>();
        for (JsonNode r : edge.list("routes")) {
            SectionReader route = SectionReader.of(edge.name("routes[" + routes.size() + "]"), r, List.of("host", "path", "service"));
            String service = route.text("service", null);
            if (service == null) {
                throw route.error("service", "each route names the service that serves it");
            }
            String path = route.text("path", "/");
            if (!path.startsWith("/")) {
                throw route.error("path", "'" + path + "' does not begin with /");
            }
            String host = route.text("host", null);
            routes.add(new StaticRoute(host == null ? null : host.toLowerCase(Locale.ROOT), path, service));
        }

        SectionReader a = edge.section("access_log", List.of("path", "format", "query", "on_failure"));
        String format = a.text("format", "json");
        String onFailure = a.text("on_failure", "serve");
        if (!format.equals("json") && !format.equals("combined")) {
            throw a.error("format", "'" + format + "' is neither json nor combined");
        }
        if (!onFailure.equals("serve") && !onFailure.equals("refuse")) {
            throw a.error("on_failure", "'" + onFailure + "' is neither serve nor refuse");
        }
        AccessLog accessLog = new AccessLog(Path.of(a.text("path", "/var/log/overlayd/access.log")),
                LogFormat.valueOf(format.toUpperCase(Locale.ROOT)), a.bool("query", false), onFailure.equals("refuse"));

        return new EdgeConfig(https, redirect, proxyProtocol, timeouts, limits, upstreams, List.copyOf(routes), accessLog);
    }

    private static List<String> strings(SectionReader section, String key, List<String> fallback) throws PluginConfigException {
        if (!section.has(key)) {
            return fallback;
        }
        List<String> values = new ArrayList<>();
        for (JsonNode v : section.list(key)) {
            if (!v.isTextual() || v.asText().isBlank()) {
                throw section.error(key, "must be a list of names, not " + v);
            }
            values.add(v.asText().strip());
        }
        if (values.isEmpty()) {
            throw section.error(key, "must name at least one");
        }
        return List.copyOf(values);
    }

    /** An address:port to listen on ({@code 0.0.0.0:443}; {@code :443} is every address). */
    private static InetSocketAddress address(SectionReader section, String key, String fallback) throws PluginConfigException {
        String text = section.text(key, fallback);
        try {
            HostPort hp = HostPort.parse(text.startsWith(":") ? "0.0.0.0" + text : text);
            if (InetAddresses.isInetAddress(hp.host())) {
                return new InetSocketAddress(InetAddresses.forString(hp.host()), hp.port());
            }
        } catch (IllegalArgumentException e) {
            // Said below, the same for every malformed address.
        }
        throw section.error(key, "'" + text + "' is not an address:port to listen on, such as 0.0.0.0:443");
    }
}
