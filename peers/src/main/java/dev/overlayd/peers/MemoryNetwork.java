package dev.overlayd.peers;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

/**
 * An in-memory UDP network for device tests without root: binds deliver to each other by address,
 * asynchronously on a thread per bind as a socket would, and lose datagrams to unknown addresses.
 * A bind may have several addresses; it sends from an endpoint's source when that is one of them,
 * and from its first otherwise. The device's start-up {@link Warmup} runs over it too.
 */
public final class MemoryNetwork {
    private final Map<InetSocketAddress, MemoryBind> binds = new ConcurrentHashMap<>();
    private final AtomicInteger nextPort = new AtomicInteger(40000);

    public MemoryBind bind(String... ips) {
        return new MemoryBind(ips);
    }

    private record Datagram(byte[] data, InetSocketAddress from, InetAddress to) {}

    public final class MemoryBind implements Bind {
        private final List<InetAddress> ips;
        private final BlockingQueue<Datagram> inbox = new LinkedBlockingQueue<>(4096);
        final AtomicLong sent = new AtomicLong();
        private volatile int port;
        private Thread deliverer;

        private MemoryBind(String... ips) {
            this.ips = Arrays.stream(ips).map(ip -> new InetSocketAddress(ip, 0).getAddress()).toList();
        }

        @Override
        public synchronized int open(int port, Receiver receiver) {
            this.port = port == 0 ? nextPort.getAndIncrement() : port;
            for (InetAddress ip : ips) {
                binds.put(new InetSocketAddress(ip, this.port), this);
            }
            deliverer = Thread.ofPlatform().daemon().name("memory-bind-" + address()).start(() -> {
                try {
                    while (true) {
                        Datagram d = inbox.take();
                        receiver.receive(d.data(), 0, d.data().length, new Endpoint(d.from(), d.to()));
                        if (inbox.isEmpty()) {
                            receiver.endOfBatch();
                        }
                    }
                } catch (InterruptedException stop) {
                    Thread.currentThread().interrupt();
                }
            });
            return this.port;
        }

        @Override
        public void send(byte[] buf, int off, int len, Endpoint to) {
            MemoryBind target = binds.get(to.address());
            sent.incrementAndGet();
            InetAddress source = to.source() != null && ips.contains(to.source()) ? to.source() : ips.getFirst();
            if (target != null && port != 0) {
                target.inbox.offer(new Datagram(Arrays.copyOfRange(buf, off, off + len),
                        new InetSocketAddress(source, port), to.address().getAddress()));
            }
        }

        /** The bind's first address and port; null when it is closed. */
        public InetSocketAddress address() {
            return address(0);
        }

        InetSocketAddress address(int i) {
            return port == 0 ? null : new InetSocketAddress(ips.get(i), port);
        }

        @Override
        public synchronized void close() {
            if (port != 0) {
                for (InetAddress ip : ips) {
                    binds.remove(new InetSocketAddress(ip, port));
                }
                port = 0;
            }
            if (deliverer != null) {
                deliverer.interrupt();
                deliverer = null;
            }
            inbox.clear();
        }
    }
}
