package dev.overlayd.tun;

import static dev.overlayd.tun.LibC.C;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.locks.ReentrantLock;
import java.util.logging.Logger;
import jnr.ffi.Memory;
import jnr.ffi.Pointer;

/**
 * The kernel's TUN: a file descriptor on /dev/net/tun bound to one layer-3 interface in the network
 * namespace of the thread that opened it. The interface is not persistent: it disappears with
 * {@link #close()}.
 *
 * <p>With {@link Offloads#TCP} (IFF_VNET_HDR and TUNSETOFFLOAD) every read and write starts with a
 * {@link VirtioNetHeader}: a read may return a TCP super-packet of up to 64 KiB, which {@link GsoSplit}
 * cuts into segments, and a batch write goes through {@link GroCoalesce}, so one syscall moves what
 * would take dozens. With {@link Offloads#NONE} it moves one plain packet per syscall.
 *
 * <p>The descriptor is non-blocking and a blocked {@link #read} waits in poll(2) on it together with an
 * eventfd, because close(2) cannot wake it: a thread inside read or poll holds its own reference to
 * the file, so closing the descriptor from another thread leaves that thread blocked and the interface
 * alive (seen on Linux 6.18). {@link #close()} signals the eventfd instead, and only closes the
 * descriptors once no thread uses them, so a reused descriptor number can never be read by mistake.
 * Never sleeping inside read(2) also keeps a deleted interface simple: a read asleep when the netdev
 * is unregistered fails with EFAULT, while poll reports POLLERR and every later read EBADFD.
 *
 * <p>One native buffer per direction, each guarded by its direction's lock together with the split or
 * coalesce state that works on it, keeps packets out of per-call allocations; concurrent readers (or
 * writers) take turns.
 */
public final class LinuxTun implements TunDevice {
    private static final Logger LOG = Logger.getLogger(LinuxTun.class.getName());
    /** The largest IP packet a TUN carries: its maximum MTU. */
    static final int MAX_PACKET = 65535;
    static final int MAX_NAME = 15;

    private static final long TUNSETIFF = 0x400454caL;
    private static final long TUNSETOFFLOAD = 0x400454d0L;
    private static final short IFF_TUN = 0x0001;
    private static final short IFF_NO_PI = 0x1000;
    private static final short IFF_VNET_HDR = 0x4000;
    private static final long TUN_F_CSUM = 0x01;
    private static final long TUN_F_TSO4 = 0x02;
    private static final long TUN_F_TSO6 = 0x04;
    private static final int IFREQ_SIZE = 40;
    private static final int IFNAMSIZ = 16;
    private static final int POLLFD_SIZE = 8;
    /**
     * What one read may return with offloads: the header and a super-packet, whose IPv6 payload may
     * reach 64 KiB behind its 40-byte header.
     */
    private static final int READ_CAPACITY = VirtioNetHeader.LENGTH + 65536 + IpHeaders.IPV6_HEADER;
    private static final byte[] ZERO_HEADER = new byte[VirtioNetHeader.LENGTH];

    private final String name;
    private final Offloads offloads;
    /** Where the packet starts in both buffers: behind the virtio header, if there is one. */
    private final int packetOffset;
    private final int fd;
    private final int wakeFd;
    private final ReentrantLock reading = new ReentrantLock();
    private final ReentrantLock writing = new ReentrantLock();
    private final ByteBuffer readBuffer = ByteBuffer.allocateDirect(READ_CAPACITY);
    private final ByteBuffer writeBuffer = ByteBuffer.allocateDirect(GroCoalesce.maxEmitted());
    private final Pointer readAddress = Pointer.wrap(LibC.RUNTIME, readBuffer);
    private final Pointer writeAddress = Pointer.wrap(LibC.RUNTIME, writeBuffer);
    private final Pointer pollFds = Memory.allocateDirect(LibC.RUNTIME, 2 * POLLFD_SIZE);
    private final VirtioNetHeader readHeader = new VirtioNetHeader();
    private final GsoSplit split = new GsoSplit();
    private final GroCoalesce coalesce = new GroCoalesce();
    private final TunCounters counters = new TunCounters();
    private final AtomicBoolean closed = new AtomicBoolean();

    private LinuxTun(String name, Offloads offloads, int fd, int wakeFd) {
        this.name = name;
        this.offloads = offloads;
        this.packetOffset = offloads == Offloads.TCP ? VirtioNetHeader.LENGTH : 0;
        this.fd = fd;
        this.wakeFd = wakeFd;
        pollFds.putInt(0, fd);
        pollFds.putShort(4, LibC.POLLIN);
        pollFds.putInt(POLLFD_SIZE, wakeFd);
        pollFds.putShort(POLLFD_SIZE + 4, LibC.POLLIN);
    }

    /**
     * Creates the TUN interface {@code name} (a {@code %d} in it lets the kernel pick a free number) in
     * the calling thread's network namespace, with TCP offloads when the kernel grants them and
     * without otherwise; {@link #name()} is the name the kernel gave it, {@link #offloads()} the mode.
     */
    public static LinuxTun open(String name) throws IOException {
        LinuxTun tun;
        try {
            tun = create(name, Offloads.TCP);
        } catch (OffloadsRefused e) {
            LOG.info("TUN " + name + ": the kernel refused offloads (" + e.getMessage()
                    + "), moving one packet per syscall");
            return create(name, Offloads.NONE);
        }
        LOG.info("TUN " + tun.name + ": TCP offloads on (IFF_VNET_HDR, checksum, TSO4, TSO6)");
        return tun;
    }

    /** Creates the TUN interface {@code name} with exactly {@code offloads}, failing when the kernel refuses them. */
    public static LinuxTun open(String name, Offloads offloads) throws IOException {
        return create(name, offloads);
    }

    private static LinuxTun create(String name, Offloads offloads) throws IOException {
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
        short flags = (short) (IFF_TUN | IFF_NO_PI | (offloads == Offloads.TCP ? IFF_VNET_HDR : 0));
        ByteBuffer.wrap(ifreq).order(ByteOrder.nativeOrder()).putShort(IFNAMSIZ, flags);
        if (C.ioctl(fd, TUNSETIFF, ifreq) < 0) {
            int errno = LibC.errno();
            C.close(fd);
            String message = "cannot create TUN interface " + name + ": " + LibC.describe(errno);
            // A kernel (or sandbox) without IFF_VNET_HDR says EINVAL; a plain TUN may still work.
            throw offloads == Offloads.TCP && errno == LibC.EINVAL ? new OffloadsRefused(message) : new IOException(message);
        }
        if (offloads == Offloads.TCP && C.ioctl(fd, TUNSETOFFLOAD, TUN_F_CSUM | TUN_F_TSO4 | TUN_F_TSO6) < 0) {
            int errno = LibC.errno();
            // Closing the only descriptor of a non-persistent TUN removes its interface, so the name is free again.
            C.close(fd);
            throw new OffloadsRefused("cannot set offloads on TUN " + name + ": " + LibC.describe(errno));
        }
        int wakeFd = LibC.wakeEventFd(fd, "TUN " + name);
        return new LinuxTun(kernelName(ifreq), offloads, fd, wakeFd);
    }

    /** The kernel would not set the offloads asked for; {@link #open(String)} then opens without them. */
    private static final class OffloadsRefused extends IOException {
        OffloadsRefused(String message) {
            super(message);
        }
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

    public Offloads offloads() {
        return offloads;
    }

    @Override
    public TunCounters counters() {
        return counters;
    }

    /**
     * The kernel's packet is read into native memory and copied (as segments, if it is a super-packet)
     * into the batch's slots; the segments that do not fit wait there for the next read.
     */
    @Override
    public int read(PacketBatch batch) throws IOException {
        batch.clear();
        reading.lock();
        try {
            // Read first and poll only when the queue is empty: under load that is one syscall per read.
            while (!closed.get()) {
                if (!split.hasMore()) {
                    long n = C.read(fd, readAddress, READ_CAPACITY);
                    if (n < 0) {
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
                        continue;
                    }
                    TunDrop drop = startSplit((int) n);
                    if (drop != null) {
                        counters.drop(drop);
                        continue;
                    }
                }
                if (split.maxSegmentLength() > batch.maxPacket()) {
                    split.abandon();
                    counters.drop(TunDrop.TOO_BIG);
                    continue;
                }
                split.fill(batch);
                return batch.size();
            }
            return -1;
        } finally {
            reading.unlock();
        }
    }

    private TunDrop startSplit(int n) {
        if (n < packetOffset) {
            return TunDrop.MALFORMED_GSO;
        }
        if (offloads == Offloads.TCP) {
            readHeader.decode(readBuffer, 0);
        } else {
            readHeader.clear();
        }
        TunDrop drop = split.start(readHeader, readBuffer, packetOffset, n - packetOffset);
        if (drop == null && split.segmentCount() > 1) {
            counters.superPacketRead(split.segmentCount());
        }
        return drop;
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
     * With offloads, each group {@link GroCoalesce} makes of the batch is one write(2); without, each
     * packet is. Either way the bytes are copied once into native memory. A packet longer than a TUN
     * takes is refused here, as the kernel would.
     */
    @Override
    public int write(PacketBatch batch) throws IOException {
        writing.lock();
        try {
            requireOpen();
            int refused = 0;
            if (offloads == Offloads.TCP) {
                coalesce.plan(batch);
                for (int g = 0; g < coalesce.groups(); g++) {
                    int packets = coalesce.groupSize(g);
                    if (coalesce.packetLength(g) > MAX_PACKET || !writeOut(coalesce.emit(g, batch, writeBuffer, 0))) {
                        refused += packets;
                        counters.drop(TunDrop.WRITE_REFUSED, packets);
                    } else if (packets > 1) {
                        counters.superPacketWritten(packets);
                    }
                }
            } else {
                for (int i = 0; i < batch.size(); i++) {
                    int len = batch.length(i);
                    if (len > MAX_PACKET || !writeOut(copyOut(batch, i))) {
                        refused++;
                        counters.drop(TunDrop.WRITE_REFUSED);
                    }
                }
            }
            return refused;
        } finally {
            writing.unlock();
        }
    }

    private int copyOut(PacketBatch batch, int i) {
        writeBuffer.put(0, batch.buffer(i), batch.headroom(), batch.length(i));
        return batch.length(i);
    }

    /** False when the kernel refused the packet; throws once the interface is gone. */
    private boolean writeOut(int len) throws IOException {
        if (C.write(fd, writeAddress, len) >= 0) {
            return true;
        }
        int errno = LibC.errno();
        if (errno == LibC.EBADFD) {
            throw new IOException("cannot write to TUN " + name + ": " + LibC.describe(errno));
        }
        return false;
    }

    /**
     * The packet is copied once into native memory before write(2), behind an all-zero virtio header
     * with offloads. Fails with EBADFD ("File descriptor in bad state") once the interface was deleted.
     */
    @Override
    public void write(byte[] buf, int off, int len) throws IOException {
        Objects.checkFromIndexSize(off, len, buf.length);
        if (len > MAX_PACKET) {
            throw new IllegalArgumentException("packet of " + len + " bytes exceeds the TUN maximum of " + MAX_PACKET);
        }
        writing.lock();
        try {
            requireOpen();
            if (offloads == Offloads.TCP) {
                writeBuffer.put(0, ZERO_HEADER);
            }
            writeBuffer.put(packetOffset, buf, off, len);
            if (C.write(fd, writeAddress, packetOffset + len) < 0) {
                throw new IOException("cannot write to TUN " + name + ": " + LibC.describe(LibC.errno()));
            }
        } finally {
            writing.unlock();
        }
    }

    private void requireOpen() throws IOException {
        if (closed.get()) {
            throw new IOException("TUN " + name + " is closed");
        }
    }

    @Override
    public void close() {
        if (!closed.compareAndSet(false, true)) {
            return;
        }
        LibC.wake(wakeFd);
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
