package dev.overlayd.routing.edge;

import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufAllocatorMetricProvider;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * What the edge holds in buffers while it is attacked: Netty's allocator (every buffer of the edge's
 * channels, TLS included; the test's own clients use the JDK's sockets and none of them), sampled
 * every 20 ms from {@link #watch} to {@link #close}, beside the process's resident set, which holds
 * the clients and BoringSSL's own allocations too.
 */
final class EdgeMemory implements AutoCloseable {
    private static final double MIB = 1024 * 1024;

    private final long before = buffers();
    private final long rssBefore = rss();
    private volatile long peak = before;
    private volatile long rssPeak = rssBefore;
    private final Thread sampler;

    private EdgeMemory() {
        sampler = Thread.ofPlatform().daemon().name("edge-memory").start(() -> {
            while (!Thread.currentThread().isInterrupted()) {
                peak = Math.max(peak, buffers());
                rssPeak = Math.max(rssPeak, rss());
                try {
                    Thread.sleep(20);
                } catch (InterruptedException e) {
                    return;
                }
            }
        });
    }

    static EdgeMemory watch() {
        return new EdgeMemory();
    }

    /** The most the edge's buffers took while watched, in bytes. */
    long peak() {
        return peak;
    }

    /** One line for the test's output: the buffers and the resident set, before and at the peak. */
    String describe() {
        return String.format("edge buffers %.1f MiB before, %.1f MiB at the peak; process RSS %.0f MiB before, %.0f MiB at the peak",
                before / MIB, peak / MIB, rssBefore / MIB, rssPeak / MIB);
    }

    @Override
    public void close() throws InterruptedException {
        sampler.interrupt();
        sampler.join();
    }

    private static long buffers() {
        if (ByteBufAllocator.DEFAULT instanceof ByteBufAllocatorMetricProvider p) {
            return p.metric().usedDirectMemory() + p.metric().usedHeapMemory();
        }
        throw new IllegalStateException("Netty's default allocator reports no metrics: " + ByteBufAllocator.DEFAULT);
    }

    private static long rss() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("VmRSS:")) {
                    return Long.parseLong(line.replaceAll("\\D", "")) * 1024;
                }
            }
        } catch (IOException e) {
            // Not Linux: the buffers alone are reported.
        }
        return 0;
    }
}
