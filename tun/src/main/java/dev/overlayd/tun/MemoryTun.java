package dev.overlayd.tun;

import java.io.IOException;
import java.io.InterruptedIOException;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Objects;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;

/**
 * A TUN device in memory, for tests that run without root: the test plays the kernel. It
 * {@link #inject}s packets that the device then reads, and {@link #take}s or {@link #poll}s the packets
 * the device wrote. Both directions are bounded; overflowing one fails loudly instead of dropping, since
 * a test that loses packets silently would be hard to debug.
 */
public final class MemoryTun implements TunDevice {
    private static final int DEFAULT_CAPACITY = 1024;

    private final String name;
    private final int capacity;
    // Not a BlockingQueue: close() must wake readers even when the queue is full, so no sentinel fits.
    private final ArrayDeque<byte[]> toDevice = new ArrayDeque<>();
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition readable = lock.newCondition();
    private final BlockingQueue<byte[]> fromDevice;
    private final TunCounters counters = new TunCounters();
    /** Set under the lock, for the readers waiting on it; volatile for write(), which takes no lock. */
    private volatile boolean closed;

    public MemoryTun(String name) {
        this(name, DEFAULT_CAPACITY);
    }

    public MemoryTun(String name, int capacity) {
        this.name = Objects.requireNonNull(name);
        this.capacity = capacity;
        this.fromDevice = new ArrayBlockingQueue<>(capacity);
    }

    @Override
    public String name() {
        return name;
    }

    /**
     * The kernel sends a copy of {@code packet} into the tunnel: a read returns it after the packets
     * injected before it.
     *
     * @throws IllegalStateException when the device is closed or its queue holds {@code capacity} packets
     */
    public void inject(byte[] packet) {
        byte[] copy = packet.clone();
        lock.lock();
        try {
            if (closed) {
                throw new IllegalStateException("MemoryTun " + name + " is closed");
            }
            if (toDevice.size() == capacity) {
                throw new IllegalStateException("MemoryTun " + name + ": the device has not read the " + capacity + " packets injected before");
            }
            toDevice.add(copy);
            readable.signal();
        } finally {
            lock.unlock();
        }
    }

    /** The next packet the device wrote, waiting for one. */
    public byte[] take() throws InterruptedException {
        return fromDevice.take();
    }

    /** The next packet the device wrote, or null when none comes within {@code timeout}. */
    public byte[] poll(Duration timeout) throws InterruptedException {
        return fromDevice.poll(timeout.toNanos(), TimeUnit.NANOSECONDS);
    }

    /**
     * Takes every injected packet that fits in the batch, as a TUN with offloads hands over a
     * super-packet's segments at once; this TUN itself has no offloads.
     */
    @Override
    public int read(PacketBatch batch) throws IOException {
        batch.clear();
        lock.lock();
        try {
            while (batch.size() == 0) {
                while (toDevice.isEmpty() && !closed) {
                    readable.await();
                }
                if (closed) {
                    return -1;
                }
                while (!toDevice.isEmpty() && !batch.isFull()) {
                    byte[] packet = toDevice.remove();
                    if (packet.length > batch.maxPacket()) {
                        counters.drop(TunDrop.TOO_BIG);
                    } else {
                        batch.add(packet, 0, packet.length);
                    }
                }
            }
            return batch.size();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted reading MemoryTun " + name);
        } finally {
            lock.unlock();
        }
    }

    /** @throws IOException when the device is closed or the test has not taken {@code capacity} earlier packets */
    @Override
    public int write(PacketBatch batch) throws IOException {
        for (int i = 0; i < batch.size(); i++) {
            write(batch.buffer(i), batch.headroom(), batch.length(i));
        }
        return 0;
    }

    /** @throws IOException when the device is closed or the test has not taken {@code capacity} earlier packets */
    @Override
    public void write(byte[] buf, int off, int len) throws IOException {
        Objects.checkFromIndexSize(off, len, buf.length);
        if (closed) {
            throw new IOException("MemoryTun " + name + " is closed");
        }
        if (!fromDevice.offer(Arrays.copyOfRange(buf, off, off + len))) {
            throw new IOException("MemoryTun " + name + ": the test has not taken the " + capacity + " packets written before");
        }
    }

    @Override
    public TunCounters counters() {
        return counters;
    }

    @Override
    public void close() {
        lock.lock();
        try {
            closed = true;
            readable.signalAll();
        } finally {
            lock.unlock();
        }
    }
}
