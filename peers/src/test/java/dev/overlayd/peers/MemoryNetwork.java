package dev.overlayd.peers;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * An in-memory UDP network for device tests without root: binds deliver to each other by address,
 * asynchronously on a thread per bind as a socket would, and lose datagrams to unknown addresses.
 */
final class MemoryNetwork {
    private final Map<InetSocketAddress, MemoryBind> binds = new ConcurrentHashMap<>();
    private final AtomicInteger nextPort = new AtomicInteger(40000);

    MemoryBind bind(String ip) {
        return new MemoryBind(ip);
    }

    private record Datagram(byte[] data, InetSocketAddress from) {}

    final class MemoryBind implements Bind {
        private final InetAddress ip;
        private final BlockingQueue<Datagram> inbox = new LinkedBlockingQueue<>(4096);
        final AtomicLong sent = new AtomicLong();
        private volatile InetSocketAddress local;
        private Thread deliverer;

        private MemoryBind(String ip) {
            this.ip = new InetSocketAddress(ip, 0).getAddress();
        }

        @Override
        public synchronized int open(int port, Receiver receiver) {
            local = new InetSocketAddress(ip, port == 0 ? nextPort.getAndIncrement() : port);
            binds.put(local, this);
            deliverer = Thread.ofPlatform().daemon().name("memory-bind-" + local).start(() -> {
                try {
                    while (true) {
                        Datagram d = inbox.take();
                        receiver.receive(d.data(), 0, d.data().length, d.from());
                        if (inbox.isEmpty()) {
                            receiver.endOfBatch();
                        }
                    }
                } catch (InterruptedException stop) {
                    Thread.currentThread().interrupt();
                }
            });
            return local.getPort();
        }

        @Override
        public void send(byte[] buf, int off, int len, InetSocketAddress to) {
            MemoryBind target = binds.get(to);
            sent.incrementAndGet();
            if (target != null && local != null) {
                target.inbox.offer(new Datagram(Arrays.copyOfRange(buf, off, off + len), local));
            }
        }

        InetSocketAddress address() {
            return local;
        }

        @Override
        public synchronized void close() {
            if (local != null) {
                binds.remove(local);
                local = null;
            }
            if (deliverer != null) {
                deliverer.interrupt();
                deliverer = null;
            }
            inbox.clear();
        }
    }
}
