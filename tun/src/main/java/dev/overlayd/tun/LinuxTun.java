package dev.overlayd.tun;

import static dev.overlayd.tun.LibC.C;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.ReentrantLock;
import jnr.ffi.Memory;
import jnr.ffi.Pointer;

/**
 * The kernel's TUN: a file descriptor on /dev/net/tun bound to one layer-3 interface in the network
 * namespace of the thread that opened it. The interface is not persistent: it disappears with
 * {@link #close()}.
 *
 * <p>The descriptor is non-blocking and a blocked {@link #read} waits in poll(2) on it together with an
 * eventfd, because close(2) cannot wake it: a thread inside read or poll holds its own reference to
 * the file, so closing the descriptor from another thread leaves that thread blocked and the interface
 * alive (seen on Linux 6.18). {@link #close()} signals the eventfd instead, and only closes the
 * descriptors once no thread uses them, so a reused descriptor number can never be read by mistake.
 * Never sleeping inside read(2) also keeps a deleted interface simple: a read asleep when the netdev
 * is unregistered fails with EFAULT, while poll reports POLLERR and every later read EBADFD.
 *
 * <p>One native buffer per direction, each guarded by its direction's lock, keeps packets out of
 * per-call allocations; concurrent readers (or writers) take turns.
 */
public final class LinuxTun implements TunDevice {
    /** The largest IP packet a TUN carries: its maximum MTU. */
    static final int MAX_PACKET = 65535;
    static final int MAX_NAME = 15;

    private static final long TUNSETIFF = 0x400454caL;
    private static final short IFF_TUN = 0x0001;
    private static final short IFF_NO_PI = 0x1000;
    private static final int IFREQ_SIZE = 40;
    private static final int IFNAMSIZ = 16;
    private static final int POLLFD_SIZE = 8;

    private final String name;
    private final int fd;
    private final int wakeFd;
    private final ReentrantLock reading = new ReentrantLock();
    private final ReentrantLock writing = new ReentrantLock();
    private final Pointer readBuffer = Memory.allocateDirect(LibC.RUNTIME, MAX_PACKET);
    private final Pointer writeBuffer = Memory.allocateDirect(LibC.RUNTIME, MAX_PACKET);
    private final Pointer pollFds = Memory.allocateDirect(LibC.RUNTIME, 2 * POLLFD_SIZE);
    private final AtomicBoolean closed = new AtomicBoolean();

    private LinuxTun(String name, int fd, int wakeFd) {
        this.name = name;
        this.fd = fd;
        this.wakeFd = wakeFd;
        pollFds.putInt(0, fd);
        pollFds.putShort(4, LibC.POLLIN);
        pollFds.putInt(POLLFD_SIZE, wakeFd);
        pollFds.putShort(POLLFD_SIZE + 4, LibC.POLLIN);
    }

    /**
     * Creates the TUN interface {@code name} (a {@code %d} in it lets the kernel pick a free number) in
     * the calling thread's network namespace; {@link #name()} is the name the kernel gave it.
     */
    public static LinuxTun open(String name) throws IOException {
        byte[] requested = name.getBytes(StandardCharsets.UTF_8);
        if (requested.length > MAX_NAME) {
            throw new IOException("interface name too long (max " + MAX_NAME + "): " + name);
        }
        // Linux's dev_valid_name: the kernel would only say EINVAL.
        if (name.isEmpty() || name.equals(".") || name.equals("..")
                || name.chars().anyMatch(c -> c == '/' || c == ':' || c == ' ' || (c >= '\t' && c <= '\r'))) {
            throw new IOException("invalid interface name (no '/', ':' or whitespace, not . or ..): " + name);
        }
        int fd = C.open("/dev/net/tun", LibC.O_RDWR | LibC.O_CLOEXEC | LibC.O_NONBLOCK);
        if (fd < 0) {
            throw new IOException("cannot open /dev/net/tun: " + LibC.describe(LibC.errno()));
        }
        byte[] ifreq = new byte[IFREQ_SIZE];
        System.arraycopy(requested, 0, ifreq, 0, requested.length);
        ByteBuffer.wrap(ifreq).order(ByteOrder.nativeOrder()).putShort(IFNAMSIZ, (short) (IFF_TUN | IFF_NO_PI));
        if (C.ioctl(fd, TUNSETIFF, ifreq) < 0) {
            int errno = LibC.errno();
            C.close(fd);
            throw new IOException("cannot create TUN interface " + name + ": " + LibC.describe(errno));
        }
        int wakeFd = C.eventfd(0, LibC.EFD_CLOEXEC);
        if (wakeFd < 0) {
            int errno = LibC.errno();
            C.close(fd);
            throw new IOException("cannot create an eventfd for TUN " + name + ": " + LibC.describe(errno));
        }
        return new LinuxTun(kernelName(ifreq), fd, wakeFd);
    }

    private static String kernelName(byte[] ifreq) {
        int end = 0;
        while (end < IFNAMSIZ && ifreq[end] != 0) {
            end++;
        }
        return new String(ifreq, 0, end, StandardCharsets.UTF_8);
    }

    @Override
    public String name() {
        return name;
    }

    /**
     * A packet longer than {@code len} is truncated to {@code len}, as a datagram socket does.
     *
     * <p>The packet is read into native memory and copied once into {@code buf}; reading straight into
     * the caller's memory is left to the datapath's performance work.
     */
    @Override
    public int read(byte[] buf, int off, int len) throws IOException {
        Objects.checkFromIndexSize(off, len, buf.length);
        reading.lock();
        try {
            // Read first and poll only when the queue is empty: under load that is one syscall per packet.
            while (!closed.get()) {
                long n = C.read(fd, readBuffer, MAX_PACKET);
                if (n >= 0) {
                    int copied = (int) Math.min(n, len);
                    readBuffer.get(0, buf, off, copied);
                    return copied;
                }
                int errno = LibC.errno();
                // The interface was deleted (ip link del) and the kernel detached this fd from it: the
                // end of the stream, as close() is, not a failure.
                if (errno == LibC.EBADFD) {
                    return -1;
                }
                if (errno != LibC.EAGAIN) {
                    throw new IOException("cannot read from TUN " + name + ": " + LibC.describe(errno));
                }
                awaitReadable();
            }
            return -1;
        } finally {
            reading.unlock();
        }
    }

    /**
     * Waits until the TUN has a packet, its interface was deleted (poll reports POLLERR, the next read
     * EBADFD) or close() signalled the eventfd; the caller's loop tells which.
     */
    private void awaitReadable() throws IOException {
        if (C.poll(pollFds, 2, -1) < 0) {
            int errno = LibC.errno();
            // poll is never restarted after a signal handler ran, whatever SA_RESTART says, and the JVM
            // handles signals of its own.
            if (errno != LibC.EINTR) {
                throw new IOException("cannot poll TUN " + name + ": " + LibC.describe(errno));
            }
        }
    }

    /**
     * The packet is copied once into native memory before write(2). Fails with EBADFD ("File
     * descriptor in bad state") once the interface was deleted.
     */
    @Override
    public void write(byte[] buf, int off, int len) throws IOException {
        Objects.checkFromIndexSize(off, len, buf.length);
        if (len > MAX_PACKET) {
            throw new IllegalArgumentException("packet of " + len + " bytes exceeds the TUN maximum of " + MAX_PACKET);
        }
        writing.lock();
        try {
            if (closed.get()) {
                throw new IOException("TUN " + name + " is closed");
            }
            writeBuffer.put(0, buf, off, len);
            if (C.write(fd, writeBuffer, len) < 0) {
                throw new IOException("cannot write to TUN " + name + ": " + LibC.describe(LibC.errno()));
            }
        } finally {
            writing.unlock();
        }
    }

    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        Pointer one = Memory.allocateDirect(LibC.RUNTIME, Long.BYTES);
        one.putLong(0, 1);
        C.write(wakeFd, one, Long.BYTES);
        // The woken reader and any writer leave before the descriptors go.
        reading.lock();
        writing.lock();
        try {
            C.close(fd);
            C.close(wakeFd);
        } finally {
            writing.unlock();
            reading.unlock();
        }
    }
}
