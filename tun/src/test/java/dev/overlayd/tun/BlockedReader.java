package dev.overlayd.tun;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import jnr.ffi.LibraryLoader;

/**
 * A thread blocked in {@link TunDevice#read}, so a test can prove that something wakes it. The test
 * first waits until the thread really sleeps (in the kernel's poll for a {@link LinuxTun}, on a lock
 * condition for a {@link MemoryTun}): otherwise a wake-up that never works would pass unnoticed when
 * the close happened to come before the read.
 */
final class BlockedReader {
    static final Duration GENEROUS = Duration.ofSeconds(5);

    public interface Calls {
        int gettid();
    }

    private static final Calls LIBC = LibraryLoader.create(Calls.class).load("c");

    private final CompletableFuture<Integer> result = new CompletableFuture<>();
    private final CountDownLatch started = new CountDownLatch(1);
    private final Thread thread;
    private volatile int tid;

    private BlockedReader(TunDevice tun, PacketBatch batch) {
        thread = Thread.ofPlatform().daemon().name("reader-" + tun.name()).unstarted(() -> {
            tid = LIBC.gettid();
            started.countDown();
            try {
                result.complete(tun.read(batch));
            } catch (Throwable e) {
                result.completeExceptionally(e);
            }
        });
    }

    static BlockedReader start(TunDevice tun, PacketBatch batch) throws InterruptedException {
        BlockedReader reader = new BlockedReader(tun, batch);
        reader.thread.start();
        if (!reader.started.await(GENEROUS.toMillis(), TimeUnit.MILLISECONDS)) {
            fail("the reader thread did not start");
        }
        return reader;
    }

    /** Waits until the reader sleeps in poll(2), as /proc's wchan for its thread shows. */
    void awaitInKernelPoll() throws IOException, InterruptedException {
        Path wchan = Path.of("/proc/self/task/" + tid + "/wchan");
        long deadline = System.nanoTime() + GENEROUS.toNanos();
        String last = "";
        while (System.nanoTime() < deadline) {
            last = Files.readString(wchan);
            if (last.contains("poll")) {
                return;
            }
            Thread.sleep(10);
        }
        fail("the reader did not block in poll(2) within " + GENEROUS + "; its wchan is " + last);
    }

    void awaitWaiting() throws InterruptedException {
        long deadline = System.nanoTime() + GENEROUS.toNanos();
        while (thread.getState() != Thread.State.WAITING) {
            if (System.nanoTime() > deadline) {
                fail("the reader did not block within " + GENEROUS + "; it is " + thread.getState());
            }
            Thread.sleep(10);
        }
    }

    /** What read returned, failing the test when it has not returned within {@link #GENEROUS}. */
    int result() throws Exception {
        try {
            return result.get(GENEROUS.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            return fail("read did not return within " + GENEROUS);
        } catch (ExecutionException e) {
            throw e.getCause() instanceof Exception cause ? cause : e;
        }
    }
}
