package dev.overlayd.routing.edge;

import static dev.overlayd.routing.edge.EdgeFixture.connect;
import static dev.overlayd.routing.edge.EdgeFixture.v1;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.DataInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketException;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.KeyStore;
import java.security.cert.CertificateFactory;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import javax.net.ssl.SNIHostName;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;
import javax.net.ssl.TrustManagerFactory;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The edge under attack, as issue 17 has it: ten thousand malformed requests each refused (a 4xx, 501 or 505
 * or the connection closed, never a request passed on), a thousand connections that send their
 * headers a line a second cut at the header deadline while good clients are served, and HTTP/2's
 * rapid reset ended by the server, the edge's buffers bounded throughout ({@link EdgeMemory}). Each
 * test prints its figures (the README's edge attack table).
 */
class EdgeAttackTest {
    private static final String HOST = "api.example.com";

    @TempDir
    Path dir;
    private EdgeFixture edge;
    private SSLContext tls;

    @BeforeEach
    void start() throws Exception {
        edge = new EdgeFixture(dir, e -> e.putObject("limits").put("request_line", 2048).put("header_size", 8192)
                .put("header_count", 50).put("body", "4KiB"));
        KeyStore trust = KeyStore.getInstance(KeyStore.getDefaultType());
        trust.load(null, null);
        try (InputStream in = Files.newInputStream(edge.pki.ca())) {
            trust.setCertificateEntry("ca", CertificateFactory.getInstance("X.509").generateCertificate(in));
        }
        TrustManagerFactory tmf = TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
        tmf.init(trust);
        // One context for all: its session cache resumes, so ten thousand connections cost few full handshakes.
        tls = SSLContext.getInstance("TLS");
        tls.init(null, tmf.getTrustManagers(), null);
    }

    @AfterEach
    void stop() {
        edge.close();
    }

    private SSLSocket open(String protocol) throws IOException {
        Socket socket = connect(edge.server.https(), v1());
        SSLSocket s = (SSLSocket) tls.getSocketFactory().createSocket(socket, HOST, socket.getPort(), true);
        SSLParameters parameters = s.getSSLParameters();
        parameters.setServerNames(List.of(new SNIHostName(HOST)));
        parameters.setApplicationProtocols(new String[] {protocol});
        s.setSSLParameters(parameters);
        s.setSoTimeout(20_000);
        s.startHandshake();
        return s;
    }

    /** The malformed requests: each kind and a generator of its variants. */
    private static final List<Map.Entry<String, java.util.function.Function<Random, String>>> KINDS = List.of(
            Map.entry("bad request line", r -> List.of("GET\r\n\r\n", "GET / HTTP/9.9\r\nHost: h\r\n\r\n",
                    "G\u0000T / HTTP/1.1\r\n\r\n", " / HTTP/1.1\r\n\r\n", "GET /" + (char) ('\u0001' + r.nextInt(30)) + " HTTP/1.1\r\n\r\n",
                    "GET / HTTP/1.1 extra\r\nHost: h\r\n\r\n").get(r.nextInt(6))),
            Map.entry("header bomb", r -> "GET / HTTP/1.1\r\nHost: " + HOST + "\r\n"
                    + ("X-Bomb-" + r.nextInt(1000) + ": " + "b".repeat(100) + "\r\n").repeat(100 + r.nextInt(200)) + "\r\n"),
            Map.entry("header too large", r -> "GET / HTTP/1.1\r\nHost: " + HOST + "\r\nX-Big: " + "x".repeat(9000 + r.nextInt(20000))
                    + "\r\n\r\n"),
            Map.entry("bad header", r -> "GET / HTTP/1.1\r\nHost: " + HOST + "\r\n" + List.of("No colon here", ": no name",
                    "Bad Name: v", "X-A\u0000: v", "Host: " + HOST).get(r.nextInt(5)) + "\r\n\r\n"),
            Map.entry("bad chunking", r -> "POST / HTTP/1.1\r\nHost: " + HOST + "\r\nTransfer-Encoding: chunked\r\n\r\n"
                    + List.of("zz\r\nhello\r\n0\r\n\r\n", "5\r\nhelloXX\r\n0\r\n\r\n", "-1\r\n\r\n",
                    "ffffffffffffffffff\r\nx\r\n", "5;" + "e".repeat(10000) + "\r\nhello\r\n0\r\n\r\n").get(r.nextInt(5))),
            Map.entry("CL and TE together", r -> "POST / HTTP/1.1\r\nHost: " + HOST + "\r\nContent-Length: " + (4 + r.nextInt(40))
                    + "\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\nGET /smuggled HTTP/1.1\r\nHost: " + HOST + "\r\n\r\n"),
            Map.entry("two Content-Lengths", r -> "POST / HTTP/1.1\r\nHost: " + HOST + "\r\nContent-Length: 5\r\nContent-Length: "
                    + (6 + r.nextInt(40)) + "\r\n\r\nhelloGET /smuggled HTTP/1.1\r\nHost: " + HOST + "\r\n\r\n"),
            Map.entry("obfuscated TE", r -> "POST / HTTP/1.1\r\nHost: " + HOST + "\r\nContent-Length: 4\r\n"
                    + List.of("Transfer-Encoding: xchunked", "Transfer-Encoding : chunked", "Transfer-Encoding: chunked, identity",
                    "Transfer-Encoding:\tchunked\u000b").get(r.nextInt(4)) + "\r\n\r\n0\r\n\r\nGET /smuggled HTTP/1.1\r\nHost: " + HOST + "\r\n\r\n"),
            Map.entry("bad Content-Length", r -> "POST / HTTP/1.1\r\nHost: " + HOST + "\r\nContent-Length: "
                    + List.of("-1", "1e3", "0x10", "99999999999999999999", "5, 6").get(r.nextInt(5)) + "\r\n\r\nhello"),
            Map.entry("URI too long", r -> "GET /" + "u".repeat(3000 + r.nextInt(5000)) + " HTTP/1.1\r\nHost: " + HOST + "\r\n\r\n"));

    @Test
    void tenThousandMalformedRequestsAreEachRefused() throws Exception {
        int total = Integer.getInteger("edge.attack.requests", 10_000);
        Map<String, LongAdder> refused = new ConcurrentHashMap<>();
        Map<String, LongAdder> closed = new ConcurrentHashMap<>();
        List<String> passed = Collections.synchronizedList(new ArrayList<>());
        AtomicInteger next = new AtomicInteger();
        EdgeMemory memory = EdgeMemory.watch();
        try (memory; ExecutorService pool = Executors.newFixedThreadPool(4)) {
            List<Future<?>> workers = new ArrayList<>();
            for (int w = 0; w < 4; w++) {
                workers.add(pool.submit(() -> {
                    for (int i; (i = next.getAndIncrement()) < total; ) {
                        var kind = KINDS.get(i % KINDS.size());
                        String request = kind.getValue().apply(new Random(i));
                        String answer = answer(request);
                        if (answer == null) {
                            passed.add(kind.getKey() + " #" + i + ": neither answered nor closed in 10 s");
                        } else if (answer.isEmpty()) {
                            closed.computeIfAbsent(kind.getKey(), k -> new LongAdder()).increment();
                        } else if ((answer.startsWith("HTTP/1.1 4") || answer.startsWith("HTTP/1.1 501") || answer.startsWith("HTTP/1.1 505")) && !answer.contains("/smuggled")
                                && answer.indexOf("HTTP/1.1 ", 1) < 0) {
                            refused.computeIfAbsent(kind.getKey(), k -> new LongAdder()).increment();
                        } else {
                            passed.add(kind.getKey() + " #" + i + ": " + answer.lines().findFirst().orElse(""));
                        }
                    }
                    return null;
                }));
            }
            for (Future<?> f : workers) {
                f.get(10, TimeUnit.MINUTES);
            }
        }
        System.out.println("malformed requests: " + total + "; by kind, answered 4xx / closed without an answer:");
        for (var kind : KINDS) {
            System.out.println("  " + kind.getKey() + ": " + count(refused, kind.getKey()) + " / " + count(closed, kind.getKey()));
        }
        System.out.println("  " + memory.describe());
        assertEquals(List.of(), passed.subList(0, Math.min(20, passed.size())), passed.size() + " passed on");
        assertBounded(memory);
        try (SSLSocket good = open("http/1.1")) {
            assertTrue(EdgeFixture.get(good, HOST, "/after").startsWith("HTTP/1.1 200"), "still serving");
        }
    }

    private static long count(Map<String, LongAdder> counts, String kind) {
        LongAdder a = counts.get(kind);
        return a == null ? 0 : a.sum();
    }

    /** Everything the edge sent back before it closed the connection ("" for nothing), null if it did neither in 10 s. */
    private String answer(String request) throws IOException {
        try (SSLSocket s = open("http/1.1")) {
            s.setSoTimeout(10_000);
            OutputStream out = s.getOutputStream();
            try {
                out.write(request.getBytes(StandardCharsets.ISO_8859_1));
                out.flush();
            } catch (SocketException cut) {
                // Closed by the edge while the request was still going out.
            }
            try {
                return new String(s.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
            } catch (SocketTimeoutException hung) {
                return null;
            } catch (SocketException | javax.net.ssl.SSLException reset) {
                return "";
            }
        }
    }

    @Test
    void slowHeaderConnectionsAreCutWhileGoodClientsAreServed() throws Exception {
        int slow = 1000;
        List<SSLSocket> sockets = Collections.synchronizedList(new ArrayList<>());
        long start = System.nanoTime();
        EdgeMemory memory = EdgeMemory.watch();
        try (ExecutorService opener = Executors.newFixedThreadPool(8)) {
            for (int i = 0; i < slow; i++) {
                opener.submit(() -> {
                    SSLSocket s = open("http/1.1");
                    s.getOutputStream().write(("GET / HTTP/1.1\r\nHost: " + HOST + "\r\n").getBytes(StandardCharsets.US_ASCII));
                    s.getOutputStream().flush();
                    sockets.add(s);
                    return null;
                });
            }
        }
        assertEquals(slow, sockets.size(), "all slow connections opened");
        // A header line a second from each, while a good client makes keep-alive requests.
        Thread dripper = Thread.ofPlatform().daemon().start(() -> {
            for (int line = 0; !Thread.currentThread().isInterrupted(); line++) {
                for (SSLSocket s : sockets) {
                    try {
                        s.getOutputStream().write(("X-Slow-" + line + ": 1\r\n").getBytes(StandardCharsets.US_ASCII));
                        s.getOutputStream().flush();
                    } catch (IOException cut) {
                        // The edge closed it: what it should do at the header deadline.
                    }
                }
                try {
                    Thread.sleep(1000);
                } catch (InterruptedException e) {
                    return;
                }
            }
        });
        List<Long> latencies = new ArrayList<>();
        try (SSLSocket good = open("http/1.1")) {
            long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(8);
            while (System.nanoTime() < until) {
                long t0 = System.nanoTime();
                assertTrue(EdgeFixture.get(good, HOST, "/good").startsWith("HTTP/1.1 200"));
                latencies.add(System.nanoTime() - t0);
            }
        } finally {
            dripper.interrupt();
            memory.close();
        }
        int cut = 0;
        for (SSLSocket s : sockets) {
            s.setSoTimeout(15_000);
            if (closedOrTimedOut(s)) {
                cut++;
            }
            s.close();
        }
        Collections.sort(latencies);
        long p50 = latencies.get(latencies.size() / 2);
        long p99 = latencies.get((int) Math.ceil(latencies.size() * 0.99) - 1);
        System.out.printf("slow-header connections: %d, cut by the edge %d (header deadline 5 s; %.1f s since the first opened); "
                        + "good client during them: %d requests, p50 %.2f ms, p99 %.2f ms%n", slow, cut,
                (System.nanoTime() - start) / 1e9, latencies.size(), p50 / 1e6, p99 / 1e6);
        System.out.println("  " + memory.describe());
        assertEquals(slow, cut, "every slow connection cut (a 408 or closed)");
        assertBounded(memory);
    }

    /** Whether the edge ended the connection: a 408 then the close, or the close alone. */
    private static boolean closedOrTimedOut(SSLSocket s) throws IOException {
        try {
            String rest = new String(s.getInputStream().readAllBytes(), StandardCharsets.ISO_8859_1);
            return rest.isEmpty() || rest.startsWith("HTTP/1.1 408");
        } catch (SocketTimeoutException stillOpen) {
            return false;
        } catch (SocketException | javax.net.ssl.SSLException reset) {
            return true;
        }
    }

    @Test
    void http2RapidResetEndsTheConnection() throws Exception {
        int streams = 20_000;
        int sent = 0;
        boolean goaway;
        EdgeMemory memory = EdgeMemory.watch();
        try (memory; SSLSocket s = open("h2")) {
            assertEquals("h2", s.getApplicationProtocol());
            OutputStream out = s.getOutputStream();
            out.write("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            out.write(frame(4, 0, 0, new byte[0]));
            byte[] authority = HOST.getBytes(StandardCharsets.US_ASCII);
            ByteBuffer block = ByteBuffer.allocate(5 + authority.length);
            // :method GET, :scheme https, :path / (static table), :authority as a literal never indexed.
            block.put((byte) 0x82).put((byte) 0x87).put((byte) 0x84).put((byte) 0x01).put((byte) authority.length).put(authority);
            DataInputStream in = new DataInputStream(s.getInputStream());
            ExecutorService reading = Executors.newVirtualThreadPerTaskExecutor();
            Future<Boolean> frames = reading.submit(() -> readUntilGoaway(in));
            try {
                for (int id = 1; sent < streams; id += 2, sent++) {
                    out.write(frame(1, 0x5, id, block.array()));
                    out.write(frame(3, 0, id, new byte[] {0, 0, 0, 8}));
                    if (sent % 100 == 0) {
                        out.flush();
                    }
                }
                out.flush();
            } catch (SocketException cut) {
                // The edge closed the connection mid-attack.
            }
            goaway = frames.get(30, TimeUnit.SECONDS);
            reading.shutdown();
        }
        System.out.println("HTTP/2 rapid reset: " + sent + " HEADERS+RST_STREAM pairs written, then the edge "
                + (goaway ? "sent GOAWAY and closed the connection" : "closed the connection") + "; " + memory.describe());
        assertTrue(goaway, "the edge ended the attack with a GOAWAY");
        assertBounded(memory);
        try (SSLSocket good = open("http/1.1")) {
            assertTrue(EdgeFixture.get(good, HOST, "/after").startsWith("HTTP/1.1 200"), "still serving");
        }
    }

    /**
     * The edge's buffers stayed within a bound that no attack here comes near unless something
     * piles up per request or per stream: the limits cap what one connection may hold (8 KiB of
     * headers, 4 KiB of body), so a thousand connections at once need a few tens of MiB.
     */
    private static void assertBounded(EdgeMemory memory) {
        assertTrue(memory.peak() < 64L * 1024 * 1024, memory.describe());
    }

    private static byte[] frame(int type, int flags, int stream, byte[] payload) {
        return ByteBuffer.allocate(9 + payload.length).put((byte) (payload.length >>> 16)).put((byte) (payload.length >>> 8))
                .put((byte) payload.length).put((byte) type).put((byte) flags).putInt(stream).put(payload).array();
    }

    /** Reads frames until the connection ends; whether one was a GOAWAY. */
    private static boolean readUntilGoaway(DataInputStream in) {
        boolean goaway = false;
        try {
            while (true) {
                int length = in.readUnsignedByte() << 16 | in.readUnsignedByte() << 8 | in.readUnsignedByte();
                int type = in.readUnsignedByte();
                in.readUnsignedByte();
                in.readInt();
                in.readNBytes(length);
                goaway |= type == 7;
            }
        } catch (IOException end) {
            return goaway;
        }
    }
}
