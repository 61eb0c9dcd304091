package dev.overlayd.bench;

import dev.overlayd.tun.LinuxTun;
import dev.overlayd.tun.Offloads;
import dev.overlayd.tun.PacketBatch;
import java.io.IOException;
import java.util.Arrays;
import java.util.SplittableRandom;
import java.util.concurrent.DelayQueue;
import java.util.concurrent.Delayed;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * netem's delay, reordering and duplication in userspace, for kernels without sch_netem: the router
 * of bench/faults.sh routes what it forwards into this TUN, and the packets come out of it again,
 * each {@code DELAY_MS} late, except {@code REORDER_PCT} % of them that go at once, ahead of the
 * delayed ones (as netem's {@code delay D reorder P}), and {@code DUPLICATE_PCT} % sent twice. At
 * most {@code LIMIT} packets wait; more are dropped and counted (netem's {@code limit}). With TCP
 * offloads the kernel's super-packets are impaired segment by segment, as on a wire.
 * Prints its counts when stopped (SIGTERM).
 * Usage: {@code Impair TUN DELAY_MS REORDER_PCT DUPLICATE_PCT LIMIT}
 */
public final class Impair {
    private static final int BATCH = 64;
    /** The longest IP packet a TUN hands over. */
    private static final int MAX_PACKET = 65535;

    private Impair() {}

    /** A packet and when it is to go; ties go in arrival order. */
    private record Waiting(byte[] packet, long due, long order) implements Delayed {
        @Override
        public long getDelay(TimeUnit unit) {
            return unit.convert(due - System.nanoTime(), TimeUnit.NANOSECONDS);
        }

        @Override
        public int compareTo(Delayed other) {
            Waiting o = (Waiting) other;
            int byDue = Long.compare(due, o.due);
            return byDue != 0 ? byDue : Long.compare(order, o.order);
        }
    }

    public static void main(String[] args) throws Exception {
        if (args.length != 5) {
            System.err.println("usage: Impair TUN DELAY_MS REORDER_PCT DUPLICATE_PCT LIMIT");
            System.exit(2);
        }
        long delay = TimeUnit.MILLISECONDS.toNanos(Long.parseLong(args[1]));
        double reorder = Double.parseDouble(args[2]) / 100;
        double duplicate = Double.parseDouble(args[3]) / 100;
        int limit = Integer.parseInt(args[4]);
        LinuxTun tun = LinuxTun.open(args[0], Offloads.TCP);
        DelayQueue<Waiting> queue = new DelayQueue<>();
        AtomicLong in = new AtomicLong(), out = new AtomicLong(), reordered = new AtomicLong(),
                duplicated = new AtomicLong(), dropped = new AtomicLong();
        Runtime.getRuntime().addShutdownHook(new Thread(() -> System.out.printf(
                "impair: %d packets in, %d out, %d reordered, %d duplicated, %d dropped over the limit of %d%n",
                in.get(), out.get(), reordered.get(), duplicated.get(), dropped.get(), limit)));

        Thread sender = new Thread(() -> {
            PacketBatch batch = new PacketBatch(BATCH, 0, MAX_PACKET, 0);
            try {
                while (true) {
                    batch.clear();
                    for (Waiting w = queue.take(); w != null && !batch.isFull(); w = queue.poll()) {
                        batch.add(w.packet(), 0, w.packet().length);
                    }
                    tun.write(batch);
                    out.addAndGet(batch.size());
                }
            } catch (InterruptedException | IOException e) {
                // Stopped, or the interface is gone: nothing more to send.
            }
        }, "impair-send");
        sender.setDaemon(true);
        sender.start();

        SplittableRandom random = new SplittableRandom();
        PacketBatch batch = new PacketBatch(BATCH, 0, MAX_PACKET, 0);
        long order = 0;
        for (int n; (n = tun.read(batch)) >= 0; ) {
            long now = System.nanoTime();
            for (int i = 0; i < n; i++) {
                in.incrementAndGet();
                byte[] packet = Arrays.copyOf(batch.buffer(i), batch.length(i));
                boolean early = random.nextDouble() < reorder;
                int copies = random.nextDouble() < duplicate ? 2 : 1;
                reordered.addAndGet(early ? 1 : 0);
                duplicated.addAndGet(copies - 1);
                for (int c = 0; c < copies; c++) {
                    if (queue.size() >= limit) {
                        dropped.incrementAndGet();
                    } else {
                        queue.add(new Waiting(packet, early ? now : now + delay, order++));
                    }
                }
            }
        }
    }
}
