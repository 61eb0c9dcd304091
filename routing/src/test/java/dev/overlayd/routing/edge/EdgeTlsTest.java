package dev.overlayd.routing.edge;

import static dev.overlayd.routing.edge.EdgeFixture.assertStatus;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Path;
import io.netty.handler.ssl.SslProvider;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** TLS as real clients see it: curl over HTTP/1.1 and HTTP/2, openssl s_client for the certificate SNI picks. */
class EdgeTlsTest {
    @TempDir
    Path dir;
    private EdgeFixture edge;

    @BeforeEach
    void start() throws Exception {
        edge = new EdgeFixture(dir, e -> {});
    }

    @AfterEach
    void stop() {
        edge.close();
    }

    private String url(String host, String path) {
        return "https://" + host + ":" + edge.httpsPort() + path;
    }

    private String resolve(String host) {
        return host + ":" + edge.httpsPort() + ":127.0.0.1";
    }

    @Test
    void curlOverHttp1GetsTheConnectionAsPROXYAndTlsTellIt() throws Exception {
        EdgeFixture.Result r = edge.curl("--haproxy-protocol", "--http1.1", "--resolve", resolve("api.example.com"),
                url("api.example.com", "/v1/items?x=1"));
        assertStatus(0, r);
        // curl's header names its own socket: client and balancer are the same address here.
        assertTrue(r.output().contains("client=/127.0.0.1:"), r.output());
        assertTrue(r.output().contains("tls=TLSv1.3\n"), r.output());
        assertTrue(r.output().contains("sni=api.example.com\n"), r.output());
        assertTrue(r.output().contains("alpn=http/1.1\n"), r.output());
        assertTrue(r.output().contains("path=/v1/items?x=1\n"), r.output());
    }

    @Test
    void tlsIsBoringSslThroughTcnative() throws Exception {
        assertEquals(SslProvider.OPENSSL, edge.server.tlsProvider());
        EdgeFixture.Result r = edge.curl("--haproxy-protocol", "--resolve", resolve("api.example.com"),
                url("api.example.com", "/"));
        assertStatus(0, r);
        assertTrue(r.output().contains("engine=io.netty.handler.ssl.ReferenceCountedOpenSslEngine")
                || r.output().contains("engine=io.netty.handler.ssl.OpenSslEngine"), r.output());
    }

    @Test
    void curlOverHttp2GetsAStreamHandlerWithTheSameConnection() throws Exception {
        EdgeFixture.Result r = edge.curl("--haproxy-protocol", "--http2", "-w", "version=%{http_version}\n",
                "--resolve", resolve("www.shop.example"), url("www.shop.example", "/cart"),
                url("www.shop.example", "/cart2"));
        assertStatus(0, r);
        assertTrue(r.output().contains("alpn=h2\n"), r.output());
        assertTrue(r.output().contains("sni=www.shop.example\n"), r.output());
        assertTrue(r.output().contains("path=/cart\n") && r.output().contains("path=/cart2\n"), r.output());
        assertTrue(r.output().contains("version=2\n"), r.output());
    }

    @Test
    void tls12WithTheConfiguredCiphers() throws Exception {
        EdgeFixture.Result r = edge.curl("--haproxy-protocol", "--tlsv1.2", "--tls-max", "1.2", "--resolve",
                resolve("api.example.com"), url("api.example.com", "/"));
        assertStatus(0, r);
        assertTrue(r.output().contains("tls=TLSv1.2\n"), r.output());
        EdgeFixture.Result weak = edge.curl("--haproxy-protocol", "--tls-max", "1.2", "--ciphers", "AES128-SHA",
                "--resolve", resolve("api.example.com"), url("api.example.com", "/"));
        assertNotEquals(0, weak.status(), weak.output());
        EdgeFixture.Result old = edge.curl("--haproxy-protocol", "--tls-max", "1.1", "--resolve",
                resolve("api.example.com"), url("api.example.com", "/"));
        assertNotEquals(0, old.status(), old.output());
    }

    @Test
    void sniPicksTheCertificateNamingTheHostAndTheFirstOtherwise() throws Exception {
        assertTrue(subject(edge.sClient("-servername", "api.example.com")).contains("CN=api.example.com"));
        assertTrue(subject(edge.sClient("-servername", "shop.example")).contains("CN=shop.example"));
        assertTrue(subject(edge.sClient("-servername", "www.shop.example")).contains("CN=shop.example"));
        assertTrue(subject(edge.sClient("-servername", "WWW.Shop.Example")).contains("CN=shop.example"));
        assertTrue(subject(edge.sClient("-noservername")).contains("CN=api.example.com"));
        assertTrue(subject(edge.sClient("-servername", "unknown.example.net")).contains("CN=api.example.com"));
    }

    @Test
    void noProxyHeaderNoTls() throws Exception {
        EdgeFixture.Result r = edge.curl("--resolve", resolve("api.example.com"), url("api.example.com", "/"));
        assertNotEquals(0, r.status(), r.output());
        assertTrue(edge.server.counters().badProxyHeaders() >= 1, edge.server.counters().toString());
    }

    /** The subject line s_client prints for the server's certificate. */
    private static String subject(EdgeFixture.Result r) {
        assertStatus(0, r);
        return r.output().lines().filter(l -> l.startsWith("subject=")).findFirst()
                .orElseThrow(() -> new AssertionError(r.output())).replace(" ", "");
    }
}
