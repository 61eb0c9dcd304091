package dev.overlayd.routing.edge;

import static dev.overlayd.routing.edge.EdgeFixture.connect;
import static dev.overlayd.routing.edge.EdgeFixture.get;
import static dev.overlayd.routing.edge.EdgeFixture.v1;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.math.BigInteger;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.security.cert.X509Certificate;
import java.util.List;
import java.util.logging.Level;
import javax.net.ssl.SSLSocket;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.overlayd.containers.Await;
import dev.overlayd.containers.LogCapture;
import dev.overlayd.testing.EtcdPki;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Certificates read again (SIGHUP, or a changed file) while connections are open: new connections
 * get the new certificate, open ones go on; a bad file keeps the old ones; bad files at start are named.
 */
class EdgeReloadTest {
    @TempDir
    Path dir;
    private EdgeFixture edge;
    private final LogCapture capture = new LogCapture().attach(SniCertificates.class);

    @BeforeEach
    void start() throws Exception {
        // Issuing a certificate takes a few openssl runs: the open connection's wait must not hit the header deadline.
        edge = new EdgeFixture(dir, e -> e.withObject("timeouts").put("request_headers", "60s"));
    }

    @AfterEach
    void stop() {
        edge.close();
        capture.detach();
    }

    private BigInteger serialSeen(String serverName) throws Exception {
        try (Socket socket = connect(edge.server.https(), v1()); SSLSocket tls = edge.tls(socket, serverName)) {
            return ((X509Certificate) tls.getSession().getPeerCertificates()[0]).getSerialNumber();
        }
    }

    private static BigInteger serialOf(Path certificate) throws Exception {
        try (var in = Files.newInputStream(certificate)) {
            return ((X509Certificate) java.security.cert.CertificateFactory.getInstance("X.509").generateCertificate(in))
                    .getSerialNumber();
        }
    }

    /** A new certificate for api.example.com moved over the served files, as certbot or an operator would. */
    private void replaceApiCertificate(String name) throws Exception {
        EtcdPki.Issued fresh = new EtcdPki(dir.resolve(name), "ca-" + name).site("api.example.com");
        Files.move(fresh.key(), edge.api.key(), StandardCopyOption.REPLACE_EXISTING);
        Files.move(fresh.certificate(), edge.api.certificate(), StandardCopyOption.REPLACE_EXISTING);
    }

    @Test
    void reloadServesNewConnectionsTheNewCertificateAndKeepsOpenOnes() throws Exception {
        BigInteger before = serialSeen("api.example.com");
        assertEquals(serialOf(edge.api.certificate()), before);
        try (Socket socket = connect(edge.server.https(), v1()); SSLSocket open = edge.tls(socket, "api.example.com")) {
            assertTrue(get(open, "api.example.com", "/").startsWith("HTTP/1.1 200"));
            // Issued by the same CA, so the client trusts it too; a new serial shows it is the new one.
            EtcdPki.Issued fresh = edge.pki.site("api.example.com");
            BigInteger after = serialOf(fresh.certificate());
            assertNotEquals(before, after);
            edge.server.reload();
            assertEquals(after, serialSeen("api.example.com"));
            assertTrue(get(open, "api.example.com", "/still").contains("path=/still\n"), "the open connection was dropped");
        }
    }

    @Test
    void aBadFileKeepsTheOldCertificatesAndSaysWhy() throws Exception {
        BigInteger before = serialSeen("api.example.com");
        Files.writeString(edge.api.certificate(), "-----BEGIN CERTIFICATE-----\nnot one\n-----END CERTIFICATE-----\n");
        edge.server.reload();
        assertEquals(before, serialSeen("api.example.com"));
        // Said once for reload() and maybe again when the check for changed files saw it: each time naming the file.
        List<String> lines = capture.lines(Level.WARNING, "certificates not reloaded");
        assertTrue(!lines.isEmpty() && lines.stream().allMatch(l -> l.contains(edge.api.certificate().toString())),
                lines.toString());
    }

    @Test
    void aKeyNotOfTheCertificateIsRefused() throws Exception {
        BigInteger before = serialSeen("api.example.com");
        Files.copy(edge.shop.key(), edge.api.key(), StandardCopyOption.REPLACE_EXISTING);
        edge.server.reload();
        assertEquals(before, serialSeen("api.example.com"));
        List<String> lines = capture.lines(Level.WARNING, "certificates not reloaded");
        assertTrue(!lines.isEmpty() && lines.stream().allMatch(l -> l.contains("is the key the certificate's?")),
                lines.toString());
    }

    @Test
    void aChangedFileIsReadWithoutBeingAsked() throws Exception {
        BigInteger before = serialSeen("api.example.com");
        replaceApiCertificate("renewed");
        BigInteger renewed = serialOf(edge.api.certificate());
        // The renewed certificate is another CA's (a fresh PKI): the client checks the serial only after trusting it.
        Files.copy(dir.resolve("renewed").resolve("ca-renewed.crt"), edge.pki.ca(), StandardCopyOption.REPLACE_EXISTING);
        Await.until(() -> {
            try {
                return serialSeen("api.example.com").equals(renewed);
            } catch (Exception e) {
                return false;
            }
        }, () -> "the renewed certificate was never served; still " + before);
    }

    @Test
    void badFilesAtStartAreNamed(@TempDir Path other) throws Exception {
        Path missing = other.resolve("missing.key");
        IOException noKey = assertThrows(IOException.class, () -> start(other, edge.api.certificate(), missing));
        assertTrue(noKey.getMessage().contains(missing.toString()), noKey.getMessage());
        Path junk = Files.writeString(other.resolve("junk.pem"), "junk\n");
        IOException notPem = assertThrows(IOException.class, () -> start(other, junk, edge.api.key()));
        assertTrue(notPem.getMessage().contains(junk.toString()), notPem.getMessage());
        IOException notKey = assertThrows(IOException.class, () -> start(other, edge.api.certificate(), junk));
        assertTrue(notKey.getMessage().contains(junk.toString()), notKey.getMessage());
    }

    private void start(Path other, Path cert, Path key) throws Exception {
        ObjectNode node = EdgeFixture.JSON.createObjectNode();
        node.putObject("https").putArray("certificates").add(EdgeFixture.JSON.createObjectNode()
                .put("cert", cert.toString()).put("key", key.toString()));
        node.putObject("proxy_protocol").putArray("trusted").add("127.0.0.0/8");
        EdgeServer.start(EdgeFixture.ephemeralPorts(EdgeConfig.parse(node)), edge.log, ConnectionEcho::new).close();
    }
}
