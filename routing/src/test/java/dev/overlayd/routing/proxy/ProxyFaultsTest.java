package dev.overlayd.routing.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
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

/** The proxy's own answers when it cannot pass a request on, as curl sees them and the audit log records them. */
class ProxyFaultsTest {
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

    private static ServiceInstance web(String id, int port, Health health) {
        return Instances.of("web", "node1:" + id + ":" + port, "127.0.0.1", port, health, new HttpRoute("app.example.com", "/"));
    }

    private void start(Duration response, long body, ServiceInstance... instances) throws InterruptedException {
        front = new Front(Front.config(response, body, List.of()));
        front.proxy.catalog(new CatalogSnapshot(List.of(instances)));
    }

    /** curl's status and body for a request to app.example.com through the front. */
    private String[] request(String path, String... more) throws Exception {
        List<String> args = new java.util.ArrayList<>(List.of("-H", "Host: app.example.com", "-w", "\n%{http_code}"));
        args.addAll(List.of(more));
        args.add(front.url(path));
        String out = Curl.run(args.toArray(String[]::new)).output();
        int nl = out.lastIndexOf('\n');
        return new String[] {out.substring(nl + 1), out.substring(0, nl)};
    }

    /** The record of the one request made: curl may have its answer a moment before the proxy has accounted for it. */
    private AccessRecord onlyRecord() {
        Await.until(() -> !front.log.records.isEmpty(), () -> "the request's record");
        assertEquals(1, front.log.records.size(), front.log.records.toString());
        return front.log.records.getFirst();
    }

    @Test
    void noRouteIs404() throws Exception {
        start(Duration.ofSeconds(5), 1000);
        String out = Curl.run("-H", "Host: other.example.com", "-w", "%{http_code}", front.url("/app")).output();
        assertEquals("404 Not Found: no route for this host and path\n404", out);
        assertEquals(404, onlyRecord().status());
        assertNull(onlyRecord().service());
        assertEquals(Front.CLIENT, onlyRecord().client());
    }

    @Test
    void aPathThatEscapesItsRuleOnceNormalizedIs400AndReachesNoCopy() throws Exception {
        HttpServer echo = backends.echo("e");
        start(Duration.ofSeconds(5), 1000, web("e", echo.getAddress().getPort(), Health.PASSING));
        String out = Curl.run("--path-as-is", "-w", "%{http_code}", front.url("/app/%2e%2e/admin")).output();
        assertEquals("400 Bad Request: the path holds . or .. segments\n400", out);
        assertEquals(400, onlyRecord().status());
        assertNull(onlyRecord().instance());
    }

    @Test
    void noHealthyCopyIs503() throws Exception {
        start(Duration.ofSeconds(5), 1000, web("s", 1, Health.STARTING), web("u", 2, Health.UNHEALTHY));
        String[] r = request("/app");
        assertEquals("503", r[0]);
        assertEquals("web", onlyRecord().service());
        assertNull(onlyRecord().instance());
    }

    @Test
    void aLogThatCannotBeWrittenRefusesWith503() throws Exception {
        HttpServer echo = backends.echo("e");
        start(Duration.ofSeconds(5), 1000, web("e", echo.getAddress().getPort(), Health.PASSING));
        front.log.accepting = false;
        assertEquals("503", request("/echo")[0]);
        front.log.accepting = true;
        assertEquals("200", request("/echo")[0]);
    }

    @Test
    void aCopyThatHangsUpIs502WithoutItsAddress() throws Exception {
        int port = backends.hangUp();
        start(Duration.ofSeconds(5), 1000, web("h", port, Health.PASSING));
        String[] r = request("/app");
        assertEquals("502", r[0]);
        assertFalse(r[1].contains("127.0.0.1") || r[1].contains(Integer.toString(port)), r[1]);
        assertEquals(502, onlyRecord().status());
        assertEquals("node1:h:" + port, onlyRecord().instance());
        assertTrue(front.log.failures.stream().anyMatch(f -> f.startsWith("web: connection")), front.log.failures.toString());
    }

    /** Two requests on one client connection, so that both take the same loop's pooled connection; their statuses. */
    private String twoRequests(String... more) throws Exception {
        List<String> args = new java.util.ArrayList<>(List.of("-H", "Host: app.example.com", "-o", "/dev/null",
                "-o", "/dev/null", "-w", "%{http_code} "));
        args.addAll(List.of(more));
        args.addAll(List.of(front.url("/first"), front.url("/second")));
        return Curl.run(args.toArray(String[]::new)).output().strip();
    }

    @Test
    void aKeptConnectionClosedAsTheRequestWentOutIsRetriedOnAFreshOne() throws Exception {
        int port = backends.answersOncePerConnection();
        start(Duration.ofSeconds(5), 1000, web("k", port, Health.PASSING));
        assertEquals("200 200", twoRequests(), "the second sent again on a new connection, not answered 502");
        Await.until(() -> front.log.records.size() == 2, () -> "both records");
        assertEquals(List.of(), front.log.failures, "a retried request is no failure of the copy");
    }

    @Test
    void aRequestWithABodyIsNotSentTwice() throws Exception {
        int port = backends.answersOncePerConnection();
        start(Duration.ofSeconds(5), 1000, web("k", port, Health.PASSING));
        assertEquals("200 502", twoRequests("--data", "x=1"), "a POST the copy may have seen stays a 502");
    }

    @Test
    void aRefusedOnlyCopyIs502() throws Exception {
        start(Duration.ofSeconds(5), 1000, web("d", Backends.freePort(), Health.PASSING));
        assertEquals("502", request("/app")[0]);
        assertEquals(List.of("web: connect refused"), front.log.failures);
    }

    @Test
    void aCopyThatDoesNotAnswerInTimeIs504() throws Exception {
        HttpServer echo = backends.echo("slow");
        start(Duration.ofMillis(300), 1000, web("slow", echo.getAddress().getPort(), Health.PASSING));
        String[] r = request("/slow");
        assertEquals("504", r[0], r[1]);
        assertEquals(List.of("web: response timeout"), front.log.failures);
        assertEquals(504, onlyRecord().status());
    }

    @Test
    void aBodyOverTheLimitIs413WhetherItsLengthIsSaidOrNot() throws Exception {
        HttpServer echo = backends.echo("e");
        start(Duration.ofSeconds(5), 1000, web("e", echo.getAddress().getPort(), Health.PASSING));
        Path big = Files.write(dir.resolve("big"), new byte[5000]);
        assertEquals("413", request("/upload", "--data-binary", "@" + big)[0]);
        assertEquals("413", request("/upload", "-H", "Transfer-Encoding: chunked", "--data-binary", "@" + big)[0]);
        Path small = Files.write(dir.resolve("small"), new byte[1000]);
        String[] ok = request("/upload", "-H", "Transfer-Encoding: chunked", "--data-binary", "@" + small);
        assertEquals("200", ok[0]);
        assertEquals("received 1000", ok[1]);
        Await.until(() -> front.log.records.size() >= 3, () -> "3 records");
        assertEquals(List.of(413, 413, 200), front.log.records.stream().map(AccessRecord::status).toList());
        assertEquals(1000, front.log.records.get(2).bytesIn());
    }

    @Test
    void pipelinedRequestsAreAnsweredInOrder() throws Exception {
        HttpServer echo = backends.echo("e");
        start(Duration.ofSeconds(5), 1000, web("e", echo.getAddress().getPort(), Health.PASSING));
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), front.port())) {
            OutputStream out = s.getOutputStream();
            StringBuilder requests = new StringBuilder();
            for (int i = 1; i <= 3; i++) {
                requests.append("GET /echo?").append(i).append(" HTTP/1.1\r\nHost: app.example.com\r\n")
                        .append(i == 3 ? "Connection: close\r\n" : "").append("\r\n");
            }
            out.write(requests.toString().getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = s.getInputStream();
            String all = new String(in.readAllBytes(), StandardCharsets.US_ASCII);
            int one = all.indexOf("uri: /echo?1");
            int two = all.indexOf("uri: /echo?2");
            int three = all.indexOf("uri: /echo?3");
            assertTrue(one >= 0 && one < two && two < three, all);
        }
        assertEquals(3, front.log.records.size());
    }
}
