package dev.overlayd.routing.audit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import dev.overlayd.routing.edge.EdgeConfig.LogFormat;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The edge's meters as Prometheus reads them (the node serves them: node's MetricsServerTest). */
class EdgeMetricsTest {
    @TempDir
    Path temp;

    private static double value(String scrape, String series) {
        Matcher m = Pattern.compile("(?m)^" + Pattern.quote(series) + " (\\S+)$").matcher(scrape);
        assertTrue(m.find(), "no " + series + " in\n" + scrape);
        return Double.parseDouble(m.group(1));
    }

    @Test
    void aScrapeHasRequestsByStatusClassLatencyBucketsBytesAndUpstreamErrorsPerService() throws Exception {
        PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
        try (Audit audit = Audit.open(Records.log(temp.resolve("access.log"), LogFormat.JSON, false, false), registry)) {
            audit.completed(Records.request("/a", null, 200)); // 12.3 ms
            audit.completed(Records.request("/b", null, 204));
            audit.completed(Records.request("/c", null, 503));
            audit.completed(Records.healthCheck()); // to no service, 1 ms
            audit.upstreamFailed("api", "refused");
            audit.upstreamFailed("api", "refused");
            audit.upstreamFailed("api", "timeout");

            String scrape = registry.scrape();
            assertEquals(2, value(scrape, "overlayd_edge_requests_total{service=\"api\",status=\"2xx\"}"));
            assertEquals(1, value(scrape, "overlayd_edge_requests_total{service=\"api\",status=\"5xx\"}"));
            assertEquals(1, value(scrape, "overlayd_edge_requests_total{service=\"none\",status=\"4xx\"}"));
            assertEquals(0, value(scrape, "overlayd_edge_request_duration_seconds_bucket{service=\"api\",le=\"0.01\"}"));
            assertEquals(3, value(scrape, "overlayd_edge_request_duration_seconds_bucket{service=\"api\",le=\"0.025\"}"));
            assertEquals(3, value(scrape, "overlayd_edge_request_duration_seconds_bucket{service=\"api\",le=\"10.0\"}"));
            assertEquals(3, value(scrape, "overlayd_edge_request_duration_seconds_count{service=\"api\"}"));
            assertEquals(1, value(scrape, "overlayd_edge_request_duration_seconds_bucket{service=\"none\",le=\"0.001\"}"));
            assertEquals(3 * 321, value(scrape, "overlayd_edge_received_bytes_total{service=\"api\"}"));
            assertEquals(3 * 1234, value(scrape, "overlayd_edge_sent_bytes_total{service=\"api\"}"));
            assertEquals(2, value(scrape, "overlayd_edge_upstream_errors_total{reason=\"refused\",service=\"api\"}"));
            assertEquals(1, value(scrape, "overlayd_edge_upstream_errors_total{reason=\"timeout\",service=\"api\"}"));
            assertTrue(scrape.contains("overlayd_audit_write_failures_total 0"), scrape);
            assertTrue(scrape.contains("overlayd_audit_failing 0"), scrape);
        }
    }
}
