package dev.overlayd.routing.edge;

import static dev.overlayd.routing.edge.EdgeFixture.closedByPeer;
import static dev.overlayd.routing.edge.EdgeFixture.connect;
import static dev.overlayd.routing.edge.EdgeFixture.get;
import static dev.overlayd.routing.edge.EdgeFixture.v1;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.logging.Level;
import javax.net.ssl.SSLSocket;
import dev.overlayd.containers.LogCapture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The PROXY header as a balancer and an attacker send it, byte by byte from a socket: v2 with TLVs
 * as an NLB sends it, LOCAL health checks, a second header, a malformed one, one too slow, and
 * request headers dribbled (slowloris).
 */
class EdgeProxyHeaderTest {
    private static final byte[] SIGNATURE = {0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A};

    @TempDir
    Path dir;
    private EdgeFixture edge;

    @BeforeEach
    void start() throws Exception {
        // Idle far longer than a dribble lasts: only the header deadline may cut a dribbling client off.
        edge = new EdgeFixture(dir, e -> e.withObject("timeouts").put("idle", "10m"));
    }

    @AfterEach
    void stop() {
        edge.close();
    }

    /** A v2 PROXY header over TCP/IPv4 naming {@link EdgeFixture#CLIENT}:40001, with an AWS-style TLV (0xEA). */
    static byte[] v2Proxy() {
        byte[] tlv = {(byte) 0xEA, 0x00, 0x05, 0x01, 'v', 'p', 'c', 'e'};
        ByteBuffer b = ByteBuffer.allocate(16 + 12 + tlv.length);
        b.put(SIGNATURE).put((byte) 0x21).put((byte) 0x11).putShort((short) (12 + tlv.length));
        b.put(new byte[] {(byte) 198, 18, 5, 7}).put(new byte[] {127, 0, 0, 1}).putShort((short) 40001).putShort((short) 443);
        return b.put(tlv).array();
    }

    /** A v2 LOCAL header: the balancer's own health check, no addresses. */
    static byte[] v2Local() {
        return ByteBuffer.allocate(16).put(SIGNATURE).put((byte) 0x20).put((byte) 0x00).putShort((short) 0).array();
    }

    private static byte[] concat(byte[]... parts) {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        for (byte[] p : parts) {
            out.writeBytes(p);
        }
        return out.toByteArray();
    }

    @Test
    void v2HeaderNamesTheClientAndTheSocketTheBalancer() throws Exception {
        try (Socket socket = connect(edge.server.https(), v2Proxy()); SSLSocket tls = edge.tls(socket, "api.example.com")) {
            String response = get(tls, "api.example.com", "/");
            assertTrue(response.startsWith("HTTP/1.1 200"), response);
            assertTrue(response.contains("client=/" + EdgeFixture.CLIENT + ":40001\n"), response);
            assertTrue(response.contains("balancer=/127.0.0.1:" + socket.getLocalPort() + "\n"), response);
            // Keep-alive: the same connection serves the next request, no header needed again.
            assertTrue(get(tls, "api.example.com", "/again").contains("path=/again\n"));
        }
    }

    @Test
    void v1HeaderFromCurlNamesItsAddress() throws Exception {
        try (Socket socket = connect(edge.server.https(), v1()); SSLSocket tls = edge.tls(socket, "api.example.com")) {
            String response = get(tls, "api.example.com", "/");
            assertTrue(response.contains("client=/" + EdgeFixture.CLIENT + ":40001\n"), response);
        }
    }

    @Test
    void localHealthCheckIsServedWithoutAClient() throws Exception {
        try (Socket socket = connect(edge.server.https(), v2Local()); SSLSocket tls = edge.tls(socket, "api.example.com")) {
            String response = get(tls, "api.example.com", "/health");
            assertTrue(response.startsWith("HTTP/1.1 200"), response);
            assertTrue(response.contains("client=null\n"), response);
            assertTrue(response.contains("balancer=/127.0.0.1:" + socket.getLocalPort() + "\n"), response);
        }
    }

    @Test
    void secondHeaderOnTheTlsPortCloses() throws Exception {
        for (byte[] second : new byte[][] {v1(), v2Proxy()}) {
            try (Socket socket = connect(edge.server.https(), concat(v2Proxy(), second))) {
                assertTrue(closedByPeer(socket));
            }
        }
        // Sent apart, as a client behind an NLB would: the balancer's first, the client's when TLS is expected.
        try (Socket socket = connect(edge.server.https(), v1())) {
            Thread.sleep(100);
            socket.getOutputStream().write(v1());
            assertTrue(closedByPeer(socket));
        }
        assertEquals(3, edge.server.counters().secondProxyHeaders());
    }

    @Test
    void secondHeaderOnThePlainPortIsABadRequest() throws Exception {
        try (Socket socket = connect(edge.server.redirect(), concat(v1(), v1(), "GET / HTTP/1.1\r\nHost: a\r\n\r\n".getBytes()))) {
            String response = EdgeFixture.response(socket.getInputStream());
            assertTrue(response.startsWith("HTTP/1.1 400"), response);
            assertTrue(closedByPeer(socket));
        }
        assertEquals(1, edge.server.counters().secondProxyHeaders());
        assertEquals(400, edge.log.records.getLast().status());
        assertEquals(EdgeFixture.CLIENT, edge.log.records.getLast().client().getAddress().getHostAddress());
    }

    @Test
    void plainPortRedirectsToHttps() throws Exception {
        try (Socket socket = connect(edge.server.redirect(), v2Proxy())) {
            String response = get(socket, "api.example.com:80", "/v1/items?id=3");
            assertTrue(response.startsWith("HTTP/1.1 308"), response);
            assertTrue(response.contains("location: https://api.example.com/v1/items?id=3\r\n"), response);
            // Keep-alive, and a Host that is not a host name gets 400, not a redirect to it.
            String bad = get(socket, "evil.example/path", "/");
            assertTrue(bad.startsWith("HTTP/1.1 400"), bad);
        }
        assertEquals(308, edge.log.records.getFirst().status());
        assertEquals("/v1/items", edge.log.records.getFirst().path());
        assertEquals(EdgeFixture.CLIENT, edge.log.records.getFirst().client().getAddress().getHostAddress());
    }

    @Test
    void curlIsRedirected() throws Exception {
        EdgeFixture.Result r = edge.curl("--haproxy-protocol", "-o", "/dev/null", "-w", "%{http_code} %{redirect_url}",
                "http://api.example.com:" + edge.server.redirect().getPort() + "/login",
                "--resolve", "api.example.com:" + edge.server.redirect().getPort() + ":127.0.0.1");
        EdgeFixture.assertStatus(0, r);
        assertEquals("308 https://api.example.com/login", r.output());
    }

    @Test
    void malformedHeaderCloses() throws Exception {
        for (String header : new String[] {"PROXY TCP4 198.18.5.7 nonsense\r\n", "GET / HTTP/1.1\r\n\r\n",
                "PROXY TCP4 198.18.5.7 127.0.0.1 1 2\n"}) {
            try (Socket socket = connect(edge.server.https(), header.getBytes(StandardCharsets.US_ASCII))) {
                assertTrue(closedByPeer(socket), header);
            }
        }
        // Once a connection: the third, a v1 line without its CR, is only closed at its deadline.
        assertEquals(2, edge.server.counters().badProxyHeaders());
    }

    @Test
    void headerNotCompleteInTimeCloses() throws Exception {
        try (Socket socket = connect(edge.server.https(), "PROXY TCP4 198.18.".getBytes(StandardCharsets.US_ASCII))) {
            assertTrue(closedByPeer(socket));
        }
        try (Socket socket = connect(edge.server.redirect(), null)) {
            assertTrue(closedByPeer(socket));
        }
        assertEquals(2, edge.server.counters().proxyHeaderTimeouts());
    }

    @Test
    void slowHeadersAreCutOff() throws Exception {
        try (Socket socket = connect(edge.server.https(), v1()); SSLSocket tls = edge.tls(socket, "api.example.com")) {
            assertTrue(dribbleUntilClosed(tls.getOutputStream()), "a dribbling client kept its connection");
        }
        try (Socket socket = connect(edge.server.redirect(), v1())) {
            assertTrue(dribbleUntilClosed(socket.getOutputStream()), "a dribbling client kept its connection");
        }
        assertEquals(2, edge.server.counters().headerDeadlines());
    }

    @Test
    void slowHeadersAfterAResponseAreCutOffToo() throws Exception {
        try (Socket socket = connect(edge.server.https(), v1()); SSLSocket tls = edge.tls(socket, "api.example.com")) {
            assertTrue(get(tls, "api.example.com", "/").startsWith("HTTP/1.1 200"));
            assertTrue(dribbleUntilClosed(tls.getOutputStream()), "a dribbling client kept its connection");
        }
        assertEquals(1, edge.server.counters().headerDeadlines());
    }

    /**
     * Sends a request's headers a byte every 100 ms, never ending them, for ten times the deadline at most;
     * true if the edge closed the connection before.
     */
    private boolean dribbleUntilClosed(OutputStream out) throws InterruptedException {
        byte[] line = "X-Slow: aaaaaaaaaa\r\n".getBytes(StandardCharsets.US_ASCII);
        long deadline = System.nanoTime() + edge.config.timeouts().requestHeaders().multipliedBy(10).toNanos();
        try {
            out.write("GET / HTTP/1.1\r\nHost: api.example.com\r\n".getBytes(StandardCharsets.US_ASCII));
            for (int i = 0; System.nanoTime() < deadline; i++) {
                out.write(line[i % line.length]);
                out.flush();
                Thread.sleep(100);
            }
            return false;
        } catch (IOException e) {
            return true;
        }
    }

    @Test
    void idleConnectionIsClosedAfterItsResponse(@TempDir Path other) throws Exception {
        try (EdgeFixture idle = new EdgeFixture(other, e -> e.withObject("timeouts").put("idle", "1s").put("request_headers", "10m"));
             Socket socket = connect(idle.server.https(), v1()); SSLSocket tls = idle.tls(socket, "api.example.com")) {
            assertTrue(get(tls, "api.example.com", "/").startsWith("HTTP/1.1 200"));
            assertTrue(closedByPeer(tls));
            assertEquals(1, idle.server.counters().idleClosed());
        }
    }

    @Test
    void untrustedSourceIsClosedCountedAndLoggedOnce(@TempDir Path other) throws Exception {
        LogCapture capture = new LogCapture().attach(UntrustedSources.class);
        try (EdgeFixture strict = new EdgeFixture(other, e -> e.withObject("proxy_protocol").putArray("trusted").removeAll()
                .add("198.18.0.0/24"))) {
            for (int i = 0; i < 5; i++) {
                try (Socket socket = connect(strict.server.https(), v1())) {
                    assertTrue(closedByPeer(socket));
                }
            }
            try (Socket socket = connect(strict.server.redirect(), v1())) {
                assertTrue(closedByPeer(socket));
            }
            EdgeFixture.Result r = strict.curl("--haproxy-protocol", "-k", "https://127.0.0.1:" + strict.httpsPort() + "/");
            assertTrue(r.status() != 0, r.output());
            assertEquals(7, strict.server.counters().untrusted());
            assertTrue(strict.log.records.isEmpty());
            // One line said, the others counted: a scanner does not fill the log (the interval is far longer than this test).
            assertTrue(capture.lines(Level.WARNING, "not a trusted balancer").size() < 7,
                    capture.lines("not a trusted balancer").toString());
            assertTrue(capture.lines(Level.WARNING, "closed a connection from 127.0.0.1:").size() >= 1);
        } finally {
            capture.detach();
        }
    }

    @Test
    void theHeaderIsNotOptional() {
        // TLS straight away, as from a client that reached the node around the balancer.
        assertThrows(IOException.class, () -> {
            try (Socket socket = connect(edge.server.https(), null)) {
                edge.tls(socket, "api.example.com");
            }
        });
    }
}
