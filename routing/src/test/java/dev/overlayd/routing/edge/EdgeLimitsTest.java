package dev.overlayd.routing.edge;

import static dev.overlayd.routing.edge.EdgeFixture.assertStatus;
import static dev.overlayd.routing.edge.EdgeFixture.closedByPeer;
import static dev.overlayd.routing.edge.EdgeFixture.connect;
import static dev.overlayd.routing.edge.EdgeFixture.v1;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import javax.net.ssl.SSLSocket;
import dev.overlayd.routing.audit.AccessRecord;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** What a client may send, as curl sends too much of it over HTTP/1.1 and HTTP/2: each refusal answered, logged, closed. */
class EdgeLimitsTest {
    @TempDir
    Path dir;
    private EdgeFixture edge;

    @BeforeEach
    void start() throws Exception {
        edge = new EdgeFixture(dir, e -> e.putObject("limits").put("request_line", 512).put("header_size", 2048)
                .put("header_count", 20).put("body", "1KiB"));
    }

    @AfterEach
    void stop() {
        edge.close();
    }

    private EdgeFixture.Result curl(String version, String path, String... extra) throws Exception {
        List<String> args = new ArrayList<>(List.of("--haproxy-protocol", version, "-o", "/dev/null", "-w", "%{http_code}",
                "--resolve", "api.example.com:" + edge.httpsPort() + ":127.0.0.1"));
        args.addAll(List.of(extra));
        args.add("https://api.example.com:" + edge.httpsPort() + path);
        return edge.curl(args.toArray(String[]::new));
    }

    private static String[] headers(int count, int size) {
        List<String> args = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            args.addAll(List.of("-H", "X-Filler-" + i + ": " + "v".repeat(size)));
        }
        return args.toArray(String[]::new);
    }

    @Test
    void http1Limits() throws Exception {
        assertEquals("414", curl("--http1.1", "/" + "a".repeat(600)).output());
        assertEquals("431", curl("--http1.1", "/", headers(25, 4)).output());
        assertEquals("431", curl("--http1.1", "/", headers(3, 1000)).output());
        Path body = Files.write(dir.resolve("body"), new byte[2048]);
        assertEquals("413", curl("--http1.1", "/upload", "--data-binary", "@" + body).output());
        assertEquals("200", curl("--http1.1", "/upload", "--data-binary", "@" + Files.write(dir.resolve("small"), new byte[1000])).output());
        assertEquals(4, edge.server.counters().rejected());
        List<Integer> statuses = edge.log.records.stream().map(AccessRecord::status).toList();
        assertEquals(List.of(414, 431, 431, 413), statuses);
        AccessRecord tooLarge = edge.log.records.get(3);
        assertEquals("POST", tooLarge.method());
        assertEquals("/upload", tooLarge.path());
        assertEquals("TLSv1.3", tooLarge.tls());
        assertEquals("api.example.com", tooLarge.sni());
        assertEquals("127.0.0.1", tooLarge.client().getAddress().getHostAddress());
        assertNull(edge.log.records.getFirst().method(), "a request line too long is not half-logged");
    }

    @Test
    void http2Limits() throws Exception {
        assertEquals("431", curl("--http2", "/", headers(25, 4)).output());
        Path body = Files.write(dir.resolve("body"), new byte[2048]);
        assertEquals("413", curl("--http2", "/upload", "--data-binary", "@" + body).output());
        assertEquals("200", curl("--http2", "/").output());
        assertEquals("HTTP/2.0", edge.log.records.getFirst().protocol());
        // Headers larger than SETTINGS_MAX_HEADER_LIST_SIZE: the codec refuses them itself.
        EdgeFixture.Result huge = curl("--http2", "/", headers(3, 1000));
        assertTrue(!huge.output().equals("200"), huge.output());
    }

    @Test
    void chunkedBodyOverTheLimitClosesTheConnection() throws Exception {
        try (Socket socket = connect(edge.server.https(), v1()); SSLSocket tls = edge.tls(socket, "api.example.com")) {
            tls.getOutputStream().write(("POST /upload HTTP/1.1\r\nHost: api.example.com\r\nTransfer-Encoding: chunked\r\n\r\n"
                    + "400\r\n" + "x".repeat(1024) + "\r\n" + "10\r\n" + "y".repeat(16) + "\r\n0\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII));
            assertTrue(closedByPeer(tls));
        }
        assertEquals(1, edge.server.counters().bodiesTooLarge());
    }

    @Test
    void garbageIsABadRequest() throws Exception {
        try (Socket socket = connect(edge.server.https(), v1()); SSLSocket tls = edge.tls(socket, "api.example.com")) {
            tls.getOutputStream().write("GET / HTTP/1.1\r\nHost api.example.com\r\nbad header\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            String response = EdgeFixture.response(tls.getInputStream());
            assertTrue(response.startsWith("HTTP/1.1 400"), response);
            assertTrue(!response.contains("Exception") && !response.contains("127.0.0.1"), response);
            assertTrue(closedByPeer(tls));
        }
        assertEquals(400, edge.log.records.getLast().status());
    }

    @Test
    void requestsWithinTheLimitsPass() throws Exception {
        EdgeFixture.Result r = curl("--http1.1", "/" + "a".repeat(400), headers(10, 100));
        assertStatus(0, r);
        assertEquals("200", r.output());
    }
}
