package dev.overlayd.node.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import io.micrometer.core.instrument.Counter;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import org.junit.jupiter.api.Test;

/** GET /metrics as a Prometheus server scrapes it, over HTTP on 127.0.0.1. */
class MetricsServerTest {
    private final HttpClient http = HttpClient.newHttpClient();
    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);

    private HttpResponse<String> get(MetricsServer server, String method, String path) throws Exception {
        return http.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + server.address().getPort() + path))
                .method(method, HttpRequest.BodyPublishers.noBody()).build(), HttpResponse.BodyHandlers.ofString());
    }

    private MetricsServer start() throws IOException {
        return MetricsServer.start(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), registry::scrape);
    }

    @Test
    void getMetricsIsTheRegistryInPrometheusTextFormatAndNothingElseIsServed() throws Exception {
        Counter.builder("overlayd.test.things").tag("kind", "a").register(registry).increment(3);
        try (MetricsServer server = start()) {
            HttpResponse<String> response = get(server, "GET", "/metrics");
            assertEquals(200, response.statusCode());
            assertEquals("text/plain; version=0.0.4; charset=utf-8", response.headers().firstValue("content-type").orElseThrow());
            assertTrue(response.body().contains("overlayd_test_things_total{kind=\"a\"} 3.0"), response.body());

            assertEquals(404, get(server, "GET", "/").statusCode());
            assertEquals(404, get(server, "GET", "/metricsX").statusCode());
            assertEquals(404, get(server, "GET", "/metrics/").statusCode());
            assertEquals(405, get(server, "POST", "/metrics").statusCode());
            assertEquals(200, get(server, "GET", "/metrics?name[]=x").statusCode());
        }
    }

    @Test
    void aTakenPortIsAClearError() throws Exception {
        try (MetricsServer first = start()) {
            IOException e = assertThrows(IOException.class, () -> MetricsServer.start(first.address(), registry::scrape));
            assertTrue(e.getMessage().startsWith("cannot serve metrics on " + first.address()), e.getMessage());
        }
    }
}
