package dev.overlayd.routing.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import com.sun.net.httpserver.HttpServer;
import dev.overlayd.containers.Await;
import dev.overlayd.routing.discovery.CatalogSnapshot;
import dev.overlayd.routing.discovery.Health;
import dev.overlayd.routing.discovery.HttpRoute;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufAllocatorMetricProvider;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Bodies far larger than any buffer go through, and the proxy's own memory (Netty's direct buffers,
 * where every byte it holds lives) stays small while a side is slow: they are streamed, never held.
 */
class ProxyStreamingTest {
    private static final long SIZE = 200L << 20;
    /** Far below the body: a proxy that held it would pass this many times over. */
    private static final long BOUND = 32L << 20;

    private final Backends backends = new Backends();
    private Front front;

    @BeforeEach
    void start() throws Exception {
        HttpServer echo = backends.echo("e");
        front = new Front(Front.config(Duration.ofSeconds(30), 1L << 40, List.of()));
        front.proxy.catalog(new CatalogSnapshot(List.of(Instances.of("web", "node1:e:1", "127.0.0.1",
                echo.getAddress().getPort(), Health.PASSING, new HttpRoute(null, "/")))));
    }

    @AfterEach
    void stop() throws Exception {
        front.close();
        backends.close();
    }

    private static long directMemory() {
        return ((ByteBufAllocatorMetricProvider) ByteBufAllocator.DEFAULT).metric().usedDirectMemory();
    }

    @Test
    void a200MiBUploadIsStreamedWithBoundedMemory() throws Exception {
        Process curl = new ProcessBuilder("curl", "-sS", "--max-time", "120", "-T", "-", "-H", "Transfer-Encoding: chunked",
                front.url("/upload")).redirectErrorStream(true).start();
        AtomicLong most = new AtomicLong();
        Thread sampler = Thread.ofVirtual().start(() -> {
            while (!Thread.currentThread().isInterrupted()) {
                most.accumulateAndGet(directMemory(), Math::max);
                try {
                    Thread.sleep(10);
                } catch (InterruptedException e) {
                    return;
                }
            }
        });
        try (OutputStream in = curl.getOutputStream()) {
            byte[] chunk = new byte[1 << 20];
            for (long sent = 0; sent < SIZE; sent += chunk.length) {
                in.write(chunk);
            }
        }
        String out = new String(curl.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(curl.waitFor(120, TimeUnit.SECONDS));
        sampler.interrupt();
        sampler.join();
        assertEquals("received " + SIZE, out);
        assertTrue(most.get() < BOUND, "direct memory at most " + most.get());
        Await.until(() -> !front.log.records.isEmpty(), () -> "the record");
        assertEquals(SIZE, front.log.records.getFirst().bytesIn());
    }

    @Test
    void a200MiBDownloadToASlowReaderIsHeldBackNotBuffered() throws Exception {
        try (Socket s = new Socket(InetAddress.getLoopbackAddress(), front.port())) {
            OutputStream out = s.getOutputStream();
            out.write(("GET /download?" + SIZE + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = s.getInputStream();
            byte[] buffer = new byte[1 << 16];
            long read = in.read(buffer);
            // The client stops reading a while: the copy must be held back, not its body gathered.
            long most = 0;
            for (int i = 0; i < 40; i++) {
                Thread.sleep(50);
                most = Math.max(most, directMemory());
            }
            assertTrue(most < BOUND, "direct memory at most " + most + " while the client does not read");
            for (int r; (r = in.read(buffer)) >= 0; ) {
                read += r;
            }
            assertTrue(read > SIZE, "the whole body and the head: " + read);
        }
        Await.until(() -> !front.log.records.isEmpty(), () -> "the record");
        assertEquals(SIZE, front.log.records.getFirst().bytesOut());
    }
}
