package dev.overlayd.routing.audit;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import dev.overlayd.routing.edge.EdgeConfig;

/** Requests as the proxy reports them, and access log settings, for the audit's tests. */
final class Records {
    static final Instant TIME = Instant.parse("2026-12-02T06:15:03.123Z");

    private Records() {}

    static AccessRecord request(String path, String query, int status) {
        return new AccessRecord(TIME, new InetSocketAddress("203.0.113.9", 51234), new InetSocketAddress("198.18.0.1", 40000),
                "TLSv1.3", "api.example.com", "HTTP/1.1", "GET", "api.example.com", path, query, status, 321, 1234,
                Duration.ofNanos(12_345_678), "api", "h1:0123456789ab:8080", "h1", "5f0c2a");
    }

    /** A balancer's health check: no client, no copy. */
    static AccessRecord healthCheck() {
        return new AccessRecord(TIME, null, new InetSocketAddress("198.18.0.1", 40001), null, null, "HTTP/1.1", "GET",
                null, "/", null, 404, 0, 42, Duration.ofMillis(1), null, null, null, "77aa");
    }

    static EdgeConfig.AccessLog log(Path path, EdgeConfig.LogFormat format, boolean query, boolean refuse) {
        return new EdgeConfig.AccessLog(path, format, query, refuse);
    }
}
