package dev.overlayd.routing.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import com.sun.net.httpserver.HttpServer;
import dev.overlayd.containers.Await;
import dev.overlayd.routing.audit.AccessRecord;
import dev.overlayd.routing.discovery.CatalogSnapshot;
import dev.overlayd.routing.discovery.Health;
import dev.overlayd.routing.discovery.HttpRoute;
import dev.overlayd.routing.discovery.ServiceInstance;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Requests through the proxy to real servers on loopback, with curl and the JDK's client. */
class ProxyRoutingTest {
    private final Backends backends = new Backends();
    private Front front;

    @TempDir
    Path dir;

    @AfterEach
    void stop() throws Exception {
        if (front != null) {
            front.close();
        }
        backends.close();
    }

    private static ServiceInstance web(String id, int port) {
        return Instances.of("web", "node1:" + id + ":" + port, "127.0.0.1", port, Health.PASSING, new HttpRoute(null, "/"));
    }

    private static int port(HttpServer s) {
        return s.getAddress().getPort();
    }

    @Test
    void requestsSpreadOverTwoBusyboxCopies() throws Exception {
        int a = backends.busybox("copy-a", dir);
        int b = backends.busybox("copy-b", dir);
        front = new Front(Front.config(Duration.ofSeconds(10), 1 << 20, List.of()));
        front.proxy.catalog(new CatalogSnapshot(List.of(web("a", a), web("b", b))));
        List<String> urls = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            urls.add(front.url("/index.html"));
        }
        Curl c = Curl.run(urls.toArray(String[]::new));
        assertEquals(0, c.exit(), c.output());
        int fromA = c.output().split("copy-a", -1).length - 1;
        int fromB = c.output().split("copy-b", -1).length - 1;
        assertEquals(40, fromA + fromB, c.output());
        assertTrue(fromA > 0 && fromB > 0, "both copies answer: a " + fromA + ", b " + fromB);
        Await.until(() -> front.log.records.size() >= 40, () -> "40 records: " + front.log.records.size());
        assertEquals(40, front.log.records.size());
        assertEquals(Set.of("node1:a:" + a, "node1:b:" + b),
                new TreeSet<>(front.log.records.stream().map(AccessRecord::instance).toList()));
    }

    @Test
    void theApplicationSeesTheProxyHeadersClientNeverTheClientsOwnHeader() throws Exception {
        HttpServer echo = backends.echo("e");
        front = new Front(Front.config(Duration.ofSeconds(10), 1 << 20, List.of()));
        front.proxy.catalog(new CatalogSnapshot(List.of(web("e", port(echo)))));
        Curl c = Curl.run("-i", "-H", "X-Forwarded-For: 6.6.6.6", "-H", "X-Real-IP: 6.6.6.6", "-H", "Forwarded: for=6.6.6.6",
                "-H", "X-Request-Id: trace-42", "-H", "Connection: keep-alive, X-Hop", "-H", "X-Hop: 1",
                "-H", "Proxy-Authorization: Basic eDp5", front.url("/echo/x?a=1&b=2"));
        assertEquals(0, c.exit(), c.output());
        String out = c.output();
        assertTrue(out.contains("x-forwarded-for: 203.0.113.7\n"), out);
        assertFalse(out.contains("6.6.6.6"), out);
        assertTrue(out.contains("x-forwarded-proto: http\n"), out);
        assertTrue(out.contains("x-forwarded-port: " + front.port() + "\n"), out);
        assertTrue(out.contains("forwarded: for=\"203.0.113.7:51234\";by=\"127.0.0.1:" + front.port()
                + "\";proto=http;host=\"127.0.0.1:" + front.port() + "\"\n"), out);
        assertTrue(out.contains("x-request-id: trace-42\n"), out);
        assertTrue(out.toLowerCase().contains("\r\nx-request-id: trace-42\r\n"), "the response carries it too: " + out);
        assertTrue(out.contains("host: 127.0.0.1:" + front.port() + "\n"), out);
        assertFalse(out.contains("x-hop"), out);
        assertFalse(out.contains("proxy-authorization"), out);

        Await.until(() -> !front.log.records.isEmpty(), () -> "the record");
        AccessRecord r = front.log.records.getFirst();
        assertEquals(Front.CLIENT, r.client());
        assertEquals("127.0.0.1", r.balancer().getAddress().getHostAddress());
        assertEquals("HTTP/1.1", r.protocol());
        assertEquals("GET", r.method());
        assertEquals("127.0.0.1", r.host());
        assertEquals("/echo/x", r.path());
        assertEquals("a=1&b=2", r.query());
        assertEquals(200, r.status());
        assertEquals(0, r.bytesIn());
        assertTrue(r.bytesOut() > 100, r.toString());
        assertEquals("web", r.service());
        assertEquals("node1:e:" + port(echo), r.instance());
        assertEquals("node1", r.node());
        assertEquals("trace-42", r.requestId());
        assertTrue(front.log.failures.isEmpty(), front.log.failures.toString());
    }

    @Test
    void aRequestIdIsMadeWhenNoneOrAnInsaneOneCame() throws Exception {
        HttpServer echo = backends.echo("e");
        front = new Front(Front.config(Duration.ofSeconds(10), 1 << 20, List.of()));
        front.proxy.catalog(new CatalogSnapshot(List.of(web("e", port(echo)))));
        Curl c = Curl.run("-H", "X-Request-Id: " + "x".repeat(201), front.url("/echo"));
        Matcher m = Pattern.compile("x-request-id: ([0-9a-f-]{36})\n").matcher(c.output());
        assertTrue(m.find(), c.output());
        Await.until(() -> !front.log.records.isEmpty(), () -> "the record");
        assertEquals(m.group(1), front.log.records.getFirst().requestId());
        assertNull(front.log.records.getFirst().query());
    }

    @Test
    void sequentialRequestsOfAConnectionReuseOneUpstreamConnection() throws Exception {
        HttpServer echo = backends.echo("e");
        front = new Front(Front.config(Duration.ofSeconds(10), 1 << 20, List.of()));
        front.proxy.catalog(new CatalogSnapshot(List.of(web("e", port(echo)))));
        List<String> urls = new ArrayList<>();
        for (int i = 0; i < 10; i++) {
            urls.add(front.url("/echo"));
        }
        Curl c = Curl.run(urls.toArray(String[]::new));
        Matcher m = Pattern.compile("peer-port: (\\d+)").matcher(c.output());
        Set<String> ports = new TreeSet<>();
        int answers = 0;
        while (m.find()) {
            ports.add(m.group(1));
            answers++;
        }
        assertEquals(10, answers, c.output());
        assertEquals(1, ports.size(), "one keep-alive connection to the copy: " + ports);
    }

    @Test
    void aConnectRefusedIsRetriedOnAnotherCopyAndTheDeadCopyEjected() throws Exception {
        HttpServer echo = backends.echo("live");
        int dead = Backends.freePort();
        front = new Front(Front.config(Duration.ofSeconds(10), 1 << 20, List.of()));
        front.proxy.catalog(new CatalogSnapshot(List.of(web("live", port(echo)), web("dead", dead))));
        for (int i = 0; i < 20; i++) {
            Curl c = Curl.run("-o", "/dev/null", "-w", "%{http_code}", front.url("/echo"));
            assertEquals("200", c.output(), "request " + i);
        }
        assertTrue(front.log.failures.contains("web: connect refused"), front.log.failures.toString());
        Await.until(() -> front.log.records.size() >= 20, () -> "20 records");
        RoutesStatus.Route route = front.proxy.status("node1").routes().getFirst();
        RoutesStatus.Copy deadCopy = route.copies().stream().filter(c -> c.id().contains(":dead:")).findFirst().orElseThrow();
        assertEquals("ejected", deadCopy.health());
        assertTrue(deadCopy.ejectedForMs() > 0);
        assertEquals(3, deadCopy.errors());
        assertEquals(20, route.requests());
        assertEquals(0, route.errors());
        assertTrue(front.log.records.stream().allMatch(r -> r.status() == 200 && r.instance().contains(":live:")));
    }

    @Test
    void aCopyStoppedUnderLoadCostsNoRequestOnceEjected() throws Exception {
        HttpServer a = backends.echo("a");
        HttpServer b = backends.echo("b");
        front = new Front(Front.config(Duration.ofSeconds(10), 1 << 20, List.of()));
        front.proxy.catalog(new CatalogSnapshot(List.of(web("a", port(a)), web("b", port(b)))));
        HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
        HttpRequest request = HttpRequest.newBuilder(URI.create(front.url("/echo"))).timeout(Duration.ofSeconds(20)).build();
        AtomicBoolean ejected = new AtomicBoolean();
        List<Integer> afterEjection = java.util.Collections.synchronizedList(new ArrayList<>());
        AtomicBoolean stop = new AtomicBoolean();
        ExecutorService load = Executors.newFixedThreadPool(4);
        List<Future<?>> workers = new ArrayList<>();
        for (int w = 0; w < 4; w++) {
            workers.add(load.submit(() -> {
                while (!stop.get()) {
                    boolean after = ejected.get();
                    int status;
                    try {
                        status = client.send(request, HttpResponse.BodyHandlers.discarding()).statusCode();
                    } catch (Exception e) {
                        status = -1;
                    }
                    if (after) {
                        afterEjection.add(status);
                    }
                }
                return null;
            }));
        }
        Await.until(() -> front.log.records.size() > 100, () -> "load through both copies");
        b.stop(0);
        Await.until(() -> front.proxy.status("node1").routes().getFirst().copies().stream()
                .anyMatch(c -> c.health().equals("ejected")), () -> "the stopped copy ejected: " + front.log.failures);
        ejected.set(true);
        Await.until(() -> afterEjection.size() > 200, () -> "load after the ejection");
        stop.set(true);
        for (Future<?> f : workers) {
            f.get();
        }
        load.shutdown();
        assertTrue(afterEjection.stream().allMatch(s -> s == 200), "after the ejection every request is answered: "
                + afterEjection.stream().filter(s -> s != 200).toList());
        RoutesStatus.Copy stopped = front.proxy.status("node1").routes().getFirst().copies().stream()
                .filter(c -> c.id().contains(":b:")).findFirst().orElseThrow();
        assertEquals("ejected", stopped.health());
    }

    @Test
    void aCatalogChangeTakesEffectForTheNextRequest() throws Exception {
        HttpServer a = backends.echo("a");
        HttpServer b = backends.echo("b");
        front = new Front(Front.config(Duration.ofSeconds(10), 1 << 20, List.of()));
        front.proxy.catalog(new CatalogSnapshot(List.of(web("a", port(a)))));
        assertTrue(Curl.run("-i", front.url("/echo")).output().contains("X-backend: a"));
        front.proxy.catalog(new CatalogSnapshot(List.of(web("b", port(b)))));
        for (int i = 0; i < 5; i++) {
            String out = Curl.run("-i", front.url("/echo")).output();
            assertTrue(out.contains("X-backend: b"), out);
        }
        assertEquals(List.of("node1:b:" + port(b)), front.proxy.status("n").routes().getFirst().copies().stream()
                .map(RoutesStatus.Copy::id).toList());
    }
}
