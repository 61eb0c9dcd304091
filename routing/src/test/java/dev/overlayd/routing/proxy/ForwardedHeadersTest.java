package dev.overlayd.routing.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetSocketAddress;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.HttpHeaders;
import dev.overlayd.routing.edge.ClientConnection;
import org.junit.jupiter.api.Test;

class ForwardedHeadersTest {
    private static final InetSocketAddress BALANCER = new InetSocketAddress("198.18.0.5", 40000);
    private static final InetSocketAddress LOCAL = new InetSocketAddress("198.18.0.10", 443);

    private static HttpHeaders spoofed() {
        return new DefaultHttpHeaders().add("Host", "api.example.com").add("X-Forwarded-For", "6.6.6.6")
                .add("Forwarded", "for=6.6.6.6").add("X-Real-IP", "6.6.6.6").add("X-Forwarded-Proto", "http")
                .add("X-Forwarded-Host", "evil.example.com");
    }

    @Test
    void theClientIsThePROXYHeadersAddressAndNothingTheClientSent() {
        HttpHeaders h = spoofed();
        ClientConnection c = new ClientConnection(new InetSocketAddress("203.0.113.7", 51234), BALANCER, LOCAL,
                "TLSv1.3", "api.example.com", "http/1.1");
        ForwardedHeaders.apply(h, c, "id-1");
        assertEquals("203.0.113.7", h.get("X-Forwarded-For"));
        assertEquals(1, h.getAll("X-Forwarded-For").size());
        assertFalse(h.contains("X-Real-IP"));
        assertFalse(h.contains("X-Forwarded-Host"));
        assertEquals("https", h.get("X-Forwarded-Proto"));
        assertEquals("443", h.get("X-Forwarded-Port"));
        assertEquals("for=\"203.0.113.7:51234\";by=\"198.18.0.10:443\";proto=https;host=api.example.com", h.get("Forwarded"));
        assertEquals("id-1", h.get("X-Request-Id"));
    }

    @Test
    void ipv6IsBracketedAndQuoted() {
        HttpHeaders h = new DefaultHttpHeaders().add("Host", "api.example.com:8443");
        ClientConnection c = new ClientConnection(new InetSocketAddress("2001:db8::7", 4711), BALANCER, LOCAL, null, null, null);
        ForwardedHeaders.apply(h, c, "x");
        assertEquals("2001:db8:0:0:0:0:0:7", h.get("X-Forwarded-For"));
        assertEquals("for=\"[2001:db8:0:0:0:0:0:7]:4711\";by=\"198.18.0.10:443\";proto=http;host=\"api.example.com:8443\"",
                h.get("Forwarded"));
        assertEquals("http", h.get("X-Forwarded-Proto"));
    }

    @Test
    void aHealthCheckWithoutClientAddressGetsNoneInvented() {
        HttpHeaders h = spoofed();
        ForwardedHeaders.apply(h, new ClientConnection(null, BALANCER, LOCAL, "TLSv1.3", null, null), "x");
        assertNull(h.get("X-Forwarded-For"));
        assertTrue(h.get("Forwarded").startsWith("for=unknown;"));
    }

    @Test
    void aSaneRequestIdIsKeptAnythingElseReplaced() {
        assertEquals("abc-123_XYZ", RequestId.of("abc-123_XYZ"));
        assertNotEquals("a b", RequestId.of("a b"));
        assertNotEquals("x\r\nSet-Cookie: y", RequestId.of("x\r\nSet-Cookie: y"));
        assertNotEquals("é", RequestId.of("é"));
        assertEquals(36, RequestId.of(null).length());
        assertEquals(200, RequestId.of("a".repeat(200)).length());
        assertEquals(36, RequestId.of("a".repeat(201)).length());
    }

    @Test
    void hopByHopHeadersAndThoseConnectionNamesGo() {
        HttpHeaders h = new DefaultHttpHeaders().add("Connection", "keep-alive, X-Secret").add("X-Secret", "1")
                .add("Keep-Alive", "timeout=5").add("TE", "trailers").add("Trailer", "X").add("Transfer-Encoding", "chunked")
                .add("Upgrade", "h2c").add("Proxy-Authorization", "Basic x").add("Proxy", "http://evil").add("Accept", "*/*");
        HopByHop.remove(h, false);
        assertEquals(1, h.size(), h.toString());
        assertEquals("*/*", h.get("Accept"));
        HttpHeaders ws = new DefaultHttpHeaders().add("Connection", "Upgrade").add("Upgrade", "websocket");
        assertTrue(HopByHop.websocket(ws));
        HopByHop.remove(ws, true);
        assertEquals("websocket", ws.get("Upgrade"));
        assertEquals("upgrade", ws.get("Connection"));
    }
}
