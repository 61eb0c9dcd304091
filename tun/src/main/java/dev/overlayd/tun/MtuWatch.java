package dev.overlayd.tun;

import static dev.overlayd.tun.LibC.C;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.IntConsumer;
import java.util.logging.Logger;
import jnr.ffi.Memory;
import jnr.ffi.Pointer;

/**
 * Follows one interface's MTU as the kernel reports it, as wireguard-go follows its TUN's: a route
 * netlink socket subscribed to link notifications (RTMGRP_LINK), whose RTM_NEWLINK messages carry
 * IFLA_MTU whenever anything about a link changes, read by a thread of its own that sleeps in
 * poll(2) between them. The MTU is asked for once the subscription stands, so no change between the
 * interface's creation and the watch is missed, and again after the socket lost notifications
 * (ENOBUFS). The listener hears the interface's MTU from every such message, unchanged ones too.
 *
 * <p>The socket belongs to the network namespace of the thread that starts the watch, which must be
 * the interface's.
 */
public final class MtuWatch implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(MtuWatch.class.getName());
    private static final int RTMGRP_LINK = 1;
    private static final int SOCKADDR_NL = 12;
    private static final int POLLFD_SIZE = 8;
    /** Room for a burst of notifications; one about a link is a kilobyte or two. */
    private static final int RECEIVE_CAPACITY = 64 << 10;

    private final String name;
    private final int ifindex;
    private final int fd;
    private final int wakeFd;
    private final IntConsumer listener;
    private final ByteBuffer received = ByteBuffer.allocateDirect(RECEIVE_CAPACITY).order(ByteOrder.nativeOrder());
    private final Pointer receivedAddress = Pointer.wrap(LibC.RUNTIME, received);
    private final Pointer pollFds = Memory.allocateDirect(LibC.RUNTIME, 2 * POLLFD_SIZE);
    private final AtomicBoolean closed = new AtomicBoolean();
    private int sequence;
    private Thread thread;

    private MtuWatch(String name, int ifindex, int fd, int wakeFd, IntConsumer listener) {
        this.name = name;
        this.ifindex = ifindex;
        this.fd = fd;
        this.wakeFd = wakeFd;
        this.listener = listener;
        pollFds.putInt(0, fd);
        pollFds.putShort(4, LibC.POLLIN);
        pollFds.putInt(POLLFD_SIZE, wakeFd);
        pollFds.putShort(POLLFD_SIZE + 4, LibC.POLLIN);
    }

    /** Starts watching the interface {@code name}; {@code listener} hears its MTU, first soon after this returns. */
    public static MtuWatch start(String name, IntConsumer listener) throws IOException {
        int ifindex = C.if_nametoindex(name);
        if (ifindex == 0) {
            throw new IOException("cannot watch the MTU of " + name + ": " + LibC.describe(LibC.errno()));
        }
        int fd = C.socket(LibC.AF_NETLINK, LibC.SOCK_RAW | LibC.SOCK_NONBLOCK | LibC.SOCK_CLOEXEC, LibC.NETLINK_ROUTE);
        if (fd < 0) {
            throw new IOException("cannot open a netlink socket: " + LibC.describe(LibC.errno()));
        }
        Pointer address = Memory.allocateDirect(LibC.RUNTIME, SOCKADDR_NL, true);
        address.putShort(0, (short) LibC.AF_NETLINK);
        address.putInt(8, RTMGRP_LINK);
        if (C.bind(fd, address, SOCKADDR_NL) < 0) {
            int errno = LibC.errno();
            C.close(fd);
            throw new IOException("cannot subscribe to link notifications: " + LibC.describe(errno));
        }
        int wakeFd = LibC.wakeEventFd(fd, "following " + name + "'s MTU");
        MtuWatch watch = new MtuWatch(name, ifindex, fd, wakeFd, listener);
        watch.askMtu();
        watch.thread = Thread.ofPlatform().name(name + "-mtu").daemon().start(watch::run);
        return watch;
    }

    private void askMtu() throws IOException {
        ByteBuffer request = LinkMessage.getLink(ifindex, ++sequence);
        Pointer out = Memory.allocateDirect(LibC.RUNTIME, request.capacity());
        out.put(0, request.array(), 0, request.capacity());
        if (C.send(fd, out, request.capacity(), 0) < 0) {
            throw new IOException("cannot ask for the MTU of " + name + ": " + LibC.describe(LibC.errno()));
        }
    }

    private void run() {
        try {
            while (!closed.get()) {
                long n = C.recv(fd, receivedAddress, RECEIVE_CAPACITY, 0);
                if (n >= 0) {
                    int mtu = LinkMessage.mtu(received, (int) n, ifindex);
                    if (mtu >= 0) {
                        tell(mtu);
                    }
                    continue;
                }
                int errno = LibC.errno();
                if (errno == LibC.ENOBUFS) {
                    askMtu();
                } else if (errno == LibC.EAGAIN) {
                    if (C.poll(pollFds, 2, -1) < 0 && LibC.errno() != LibC.EINTR) {
                        throw new IOException("cannot poll the netlink socket: " + LibC.describe(LibC.errno()));
                    }
                } else if (errno != LibC.EINTR) {
                    throw new IOException("cannot read link notifications: " + LibC.describe(errno));
                }
            }
        } catch (IOException e) {
            LOG.warning(name + ": no longer following the MTU: " + e.getMessage());
        }
    }

    private void tell(int mtu) {
        try {
            listener.accept(mtu);
        } catch (RuntimeException e) {
            LOG.warning(name + ": following MTU " + mtu + " failed: " + e);
        }
    }

    /** Stops the thread and closes the socket; the listener is not called once this returns. */
    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        LibC.wake(wakeFd);
        try {
            thread.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        C.close(fd);
        C.close(wakeFd);
    }
}
