package dev.overlayd.routing.edge;

import dev.overlayd.routing.audit.RecordingLog;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.overlayd.testing.EtcdPki;

/**
 * An edge listener on loopback (ports picked by the kernel) with two sites' certificates from a
 * test CA, {@link ConnectionEcho} as its request handler, and the clients the tests use: curl,
 * openssl s_client and sockets that write a PROXY header themselves.
 */
final class EdgeFixture implements AutoCloseable {
    static final ObjectMapper JSON = new ObjectMapper();
    /** A client address as a balancer's header names it: data, never a packet's address. */
    static final String CLIENT = "198.18.5.7";

    final Path dir;
    final EtcdPki pki;
    final EtcdPki.Issued api;
    final EtcdPki.Issued shop;
    final RecordingLog log = new RecordingLog();
    final EdgeConfig config;
    final EdgeServer server;

    /** @param tweak changes the edge: section before it is parsed */
    EdgeFixture(Path dir, Consumer<ObjectNode> tweak) throws Exception {
        this.dir = dir;
        pki = new EtcdPki(dir.resolve("pki"), "ca");
        api = pki.site("api.example.com");
        shop = pki.site("shop.example", "*.shop.example");
        ObjectNode edge = JSON.createObjectNode();
        ObjectNode https = edge.putObject("https").put("listen", "127.0.0.1:1");
        https.putArray("certificates").add(pair(api)).add(pair(shop));
        edge.putObject("http").put("listen", "127.0.0.1:1");
        ObjectNode proxy = edge.putObject("proxy_protocol").put("timeout", "1s");
        proxy.putArray("trusted").add("127.0.0.0/8");
        edge.putObject("timeouts").put("request_headers", "5s").put("idle", "30s");
        tweak.accept(edge);
        config = ephemeralPorts(EdgeConfig.parse(edge));
        server = EdgeServer.start(config, log, ConnectionEcho::new);
    }

    /** The same edge on ports the kernel picks: overlay.yaml has no port 0, so the parsed ports are replaced. */
    static EdgeConfig ephemeralPorts(EdgeConfig c) {
        InetSocketAddress any = new InetSocketAddress(InetAddress.getLoopbackAddress(), 0);
        EdgeConfig.Https h = c.https();
        return new EdgeConfig(new EdgeConfig.Https(any, h.certificates(), h.protocols(), h.ciphers()),
                c.redirect() == null ? null : any, c.proxyProtocol(), c.timeouts(), c.limits(), c.upstreams(), c.routes(),
                c.accessLog());
    }

    static ObjectNode pair(EtcdPki.Issued issued) {
        return JSON.createObjectNode().put("cert", issued.certificate().toString()).put("key", issued.key().toString());
    }

    int httpsPort() {
        return server.https().getPort();
    }

    /** curl's output and exit status; {@code --haproxy-protocol} is the caller's to add. */
    Result curl(String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("curl", "-sS", "--max-time", "20", "--cacert", pki.ca().toString()));
        command.addAll(List.of(args));
        return run(command);
    }

    /** openssl s_client through a relay that writes the PROXY header s_client cannot. */
    Result sClient(String... args) throws IOException, InterruptedException {
        try (ProxyHeaderRelay relay = new ProxyHeaderRelay(server.https())) {
            List<String> command = new ArrayList<>(List.of("openssl", "s_client", "-connect",
                    "127.0.0.1:" + relay.port(), "-CAfile", pki.ca().toString(), "-verify_return_error"));
            command.addAll(List.of(args));
            return run(command);
        }
    }

    record Result(int status, String output) {}

    static Result run(List<String> command) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        process.getOutputStream().close();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!process.waitFor(60, TimeUnit.SECONDS)) {
            process.destroyForcibly();
        }
        return new Result(process.exitValue(), output);
    }

    /** A connection to {@code address} that has sent {@code header} (null: nothing yet). */
    static Socket connect(InetSocketAddress address, byte[] header) throws IOException {
        Socket socket = new Socket();
        socket.connect(address, 10_000);
        socket.setSoTimeout(30_000);
        if (header != null) {
            socket.getOutputStream().write(header);
            socket.getOutputStream().flush();
        }
        return socket;
    }

    /** TLS over {@code socket} (its PROXY header sent), trusting the test CA, asking for {@code serverName}. */
    SSLSocket tls(Socket socket, String serverName) throws Exception {
        KeyStore trust = KeyStore.getInstance(KeyStore.getDefaultType());
        trust.load(null, null);
        try (InputStream in = Files.newInputStream(pki.ca())) {
            trust.setCertificateEntry("ca", CertificateFactory.getInstance("X.509").generateCertificate(in));
        }
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        SSLContext context = SSLContext.getInstance("TLS");
        context.init(null, tmf.getTrustManagers(), null);
        SSLSocket tls = (SSLSocket) context.getSocketFactory().createSocket(socket, serverName, socket.getPort(), true);
        SSLParameters parameters = tls.getSSLParameters();
        parameters.setServerNames(List.of(new SNIHostName(serverName)));
        parameters.setApplicationProtocols(new String[] {"http/1.1"});
        tls.setSSLParameters(parameters);
        tls.startHandshake();
        return tls;
    }

    /** A PROXY v1 header naming {@link #CLIENT} as the client. */
    static byte[] v1() {
        return ("PROXY TCP4 " + CLIENT + " 127.0.0.1 40001 443\r\n").getBytes(StandardCharsets.US_ASCII);
    }

    /** Sends a GET with keep-alive and reads its response head and body (Content-Length framed). */
    static String get(Socket socket, String host, String path) throws IOException {
        OutputStream out = socket.getOutputStream();
        out.write(("GET " + path + " HTTP/1.1\r\nHost: " + host + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
        out.flush();
        return response(socket.getInputStream());
    }

    /** One response: its head, and as many body bytes as Content-Length says; "" if the connection closed first. */
    static String response(InputStream in) throws IOException {
        StringBuilder head = new StringBuilder();
        while (!head.toString().endsWith("\r\n\r\n")) {
            int b = in.read();
            if (b < 0) {
                return head.toString();
            }
            head.append((char) b);
        }
        int length = 0;
        for (String line : head.toString().split("\r\n")) {
            if (line.toLowerCase().startsWith("content-length:")) {
                length = Integer.parseInt(line.substring(15).strip());
            }
        }
        return head + new String(in.readNBytes(length), StandardCharsets.UTF_8);
    }

    /** Whether the peer closes the connection (reads end or reset) before the socket's timeout. */
    static boolean closedByPeer(Socket socket) {
        try {
            InputStream in = socket.getInputStream();
            while (in.read() >= 0) {
                // Drain whatever came before the close.
            }
            return true;
        } catch (java.net.SocketTimeoutException e) {
            return false;
        } catch (IOException e) {
            return true;
        }
    }

    static void assertStatus(int expected, Result result) {
        assertEquals(expected, result.status(), result.output());
    }

    @Override
    public void close() {
        server.close();
    }
}
