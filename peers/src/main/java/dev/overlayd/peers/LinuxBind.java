package dev.overlayd.peers;

import java.io.IOException;
import java.net.InetAddress;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.ReadWriteLock;
import java.util.concurrent.locks.ReentrantReadWriteLock;
import java.util.logging.Logger;

/**
 * UDP on one dual-stack socket of its own ({@link UdpSocket}), with a sticky source per endpoint
 * as wireguard-go's Linux bind keeps it: a datagram's endpoint carries the local address it
 * arrived on, replies leave from that address, and when the kernel refuses it because the address
 * is gone the endpoint forgets it and the datagram goes again from whatever address the kernel
 * picks. Netty's epoll transport can neither report IPv6 destination addresses nor send from a
 * chosen source, which is why this bind makes its own system calls.
 *
 * <p>The system calls per byte are what a userspace tunnel pays for, so datagrams travel in
 * batches both ways: sends are gathered per thread into UDP GSO batches ({@link SendBatch}) until
 * {@link #flush()} and leave from the sending thread, and the socket has UDP GRO on, so that one
 * receive brings many datagrams of a peer's burst. A kernel or device that refuses GSO gets one
 * datagram per message. One platform thread receives, blocking in recvmsg(2); it ends a batch
 * ({@link Receiver#endOfBatch()}) when no datagram is waiting, and after a lone datagram that
 * ended a wait, so that a single packet (a ping, a request) never waits for one more system call.
 *
 * <p>The kernel cuts a GSO batch into datagrams only when each fits the route's MTU: it refuses
 * (EMSGSIZE) datagrams that must cross the underlay in IP fragments, which a large tunnel MTU
 * makes (9001 inside on EC2's 9001 outside, 34736 inside on 1500). The bind learns that segment
 * size from the refusal and sends datagrams that long one per message from then on, which the
 * kernel fragments; the refused batch goes that way too. A lone datagram never carries
 * UDP_SEGMENT, which the kernel would refuse for it the same way.
 */
public final class LinuxBind implements Bind {
    private static final Logger LOG = Logger.getLogger(LinuxBind.class.getName());
    /** WireGuard's socket buffers: room for bursts while the receive thread decrypts. */
    private static final int SOCKET_BUFFER = 7 << 20;
    /** A GRO receive holds up to 64 KiB of datagrams. */
    private static final int RECEIVE_BUFFER = 65536;

    private final ThreadLocal<SendBatch> batches = ThreadLocal.withInitial(SendBatch::new);
    private final ThreadLocal<UdpSocket.Send> sends = new ThreadLocal<>();
    /** Sends hold it shared, so that closing waits for them before the descriptor is freed. */
    private final ReadWriteLock closing = new ReentrantReadWriteLock();
    private volatile UdpSocket socket;
    /**
     * The longest datagram that may share a GSO batch: 0 without GSO, lowered below each segment
     * size the kernel refused.
     */
    private final AtomicInteger maxSegment = new AtomicInteger();
    private Thread receiving;

    @Override
    public synchronized int open(int port, Receiver receiver) throws IOException {
        UdpSocket s = UdpSocket.open(port, SOCKET_BUFFER);
        maxSegment.set(s.gso() ? Integer.MAX_VALUE : 0);
        socket = s;
        receiving = Thread.ofPlatform().name("udp-" + s.port()).daemon().start(() -> receive(s, receiver));
        return s.port();
    }

    private void receive(UdpSocket s, Receiver receiver) {
        UdpSocket.Receive received = s.new Receive(RECEIVE_BUFFER);
        byte[] buf = new byte[RECEIVE_BUFFER];
        boolean batch = false;
        while (!s.isClosed()) {
            boolean waited = !batch;
            int n = received.receive(waited);
            if (s.isClosed()) {
                return;
            }
            if (n == -UdpSocket.EAGAIN) {
                endOfBatch(receiver);
                batch = false;
            } else if (n >= 0) {
                received.copy(buf, n);
                Endpoint from = received.from();
                int segment = received.segmentSize();
                if (segment <= 0 || segment >= n) {
                    receiver.receive(buf, 0, n, from);
                    if (waited) {
                        // A lone datagram after a quiet spell is most often a request that someone
                        // waits on: it goes on at once, not after one more receive finds the queue empty.
                        endOfBatch(receiver);
                    }
                } else {
                    for (int off = 0; off < n; off += segment) {
                        receiver.receive(buf, off, Math.min(segment, n - off), from);
                    }
                }
                batch = true;
            } else if (n != -UdpSocket.EINTR) {
                LOG.warning("receiving from the UDP socket failed: " + UdpSocket.describe(-n));
            }
        }
    }

    private void endOfBatch(Receiver receiver) {
        receiver.endOfBatch();
        // What the receiver answered from this thread (handshake replies, staged data) goes too.
        flush();
    }

    @Override
    public void send(byte[] buf, int off, int len, Endpoint to) throws IOException {
        if (socket == null) {
            throw new IOException("the UDP socket is closed");
        }
        SendBatch batch = batches.get();
        if (!batch.add(buf, off, len, to, maxSegment.get())) {
            write(batch);
            batch.add(buf, off, len, to, maxSegment.get());
        }
    }

    @Override
    public void flush() {
        SendBatch batch = batches.get();
        if (!batch.isEmpty()) {
            write(batch);
        }
    }

    private void write(SendBatch batch) {
        closing.readLock().lock();
        try {
            UdpSocket s = socket;
            if (s != null) {
                write(s, batch);
            }
        } finally {
            closing.readLock().unlock();
            batch.clear();
        }
    }

    private void write(UdpSocket s, SendBatch batch) {
        UdpSocket.Send send = sends.get();
        if (send == null || send.socket() != s) {
            send = s.new Send();
            sends.set(send);
        }
        Endpoint to = batch.destination();
        boolean segmented = batch.segments() > 1;
        int errno = send(send, batch.address(), batch.length(), segmented ? batch.segmentSize() : 0, to);
        if (errno != 0 && segmented) {
            int segmentSize = batch.segmentSize();
            if (errno == UdpSocket.EMSGSIZE) {
                lowerMaxSegment(segmentSize - 1, "UDP GSO refused for " + segmentSize
                        + "-byte datagrams (longer than the underlay's MTU): sending those one per message");
            } else {
                lowerMaxSegment(0, "UDP GSO failed (" + UdpSocket.describe(errno)
                        + "): sending one datagram per message from now on");
            }
            for (int off = 0; off < batch.length(); off += segmentSize) {
                send(send, batch.address() + off, Math.min(segmentSize, batch.length() - off), 0, to);
            }
        }
    }

    /** Only ever lowered, also when sending threads learn at once; said once per change. */
    private void lowerMaxSegment(int max, String why) {
        if (maxSegment.getAndAccumulate(max, Math::min) > max) {
            LOG.info(why);
        }
    }

    /**
     * One sendmsg from the endpoint's source, and once more from the kernel's choice when that
     * address is gone: Linux says EINVAL for an IPv6 source that is not local, ENETUNREACH for IPv4.
     */
    private static int send(UdpSocket.Send send, long address, int length, int segmentSize, Endpoint to) {
        InetAddress source = to.source();
        int errno = send.send(address, length, segmentSize, to.address(), source);
        if ((errno == UdpSocket.EINVAL || errno == UdpSocket.ENETUNREACH) && source != null) {
            to.clearSource();
            errno = send.send(address, length, segmentSize, to.address(), null);
        }
        return errno;
    }

    @Override
    public synchronized void close() {
        UdpSocket s = socket;
        if (s == null) {
            return;
        }
        socket = null;
        s.shutdown();
        if (Thread.currentThread() != receiving) {
            try {
                receiving.join();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        receiving = null;
        closing.writeLock().lock();
        try {
            s.close();
        } finally {
            closing.writeLock().unlock();
        }
    }
}
