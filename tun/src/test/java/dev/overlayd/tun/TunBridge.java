package dev.overlayd.tun;

import java.io.IOException;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Two TUNs joined by the test itself, as a wire would join two hosts: one thread per direction reads
 * batches from one TUN and writes them to the other, so that what one kernel hands over as
 * super-packets reaches the other kernel coalesced again. Remembers the largest batch one read
 * produced and the first failure; ends when either TUN closes.
 */
final class TunBridge implements AutoCloseable {
    private final Thread[] threads = new Thread[2];
    private final AtomicInteger largestRead = new AtomicInteger();
    private final AtomicReference<Throwable> failure = new AtomicReference<>();

    TunBridge(TunDevice a, TunDevice b) {
        threads[0] = Thread.ofPlatform().daemon().name("bridge-" + a.name()).start(() -> forward(a, b));
        threads[1] = Thread.ofPlatform().daemon().name("bridge-" + b.name()).start(() -> forward(b, a));
    }

    private void forward(TunDevice from, TunDevice to) {
        PacketBatch batch = new PacketBatch(64, 16, LinuxTun.MAX_PACKET, 31);
        try {
            int n;
            while ((n = from.read(batch)) > 0) {
                largestRead.accumulateAndGet(n, Math::max);
                to.write(batch);
            }
        } catch (IOException e) {
            // The other TUN closed first: the bridge's end, as a read of -1 is.
            if (!e.getMessage().endsWith(" is closed")) {
                failure.compareAndSet(null, e);
            }
        } catch (RuntimeException | Error e) {
            failure.compareAndSet(null, e);
        }
    }

    /** The most packets one read returned: above 1 only when a super-packet was split. */
    int largestRead() {
        return largestRead.get();
    }

    Throwable failure() {
        return failure.get();
    }

    /** Waits for both threads, which end once the TUNs are closed. */
    @Override
    public void close() throws InterruptedException {
        for (Thread thread : threads) {
            thread.join(BlockedReader.GENEROUS.toMillis());
        }
    }
}
