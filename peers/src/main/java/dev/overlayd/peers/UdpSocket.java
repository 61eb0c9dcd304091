package dev.overlayd.peers;

import java.io.IOException;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.Arrays;
import jnr.ffi.LibraryLoader;
import jnr.ffi.Memory;
import jnr.ffi.Pointer;
import jnr.ffi.annotations.IgnoreError;
import jnr.ffi.annotations.In;
import jnr.ffi.annotations.Out;
import jnr.ffi.annotations.SaveError;

/**
 * One dual-stack UDP socket on [::]:port and the system calls on it, with the control messages
 * that a WireGuard bind needs and Netty's epoll transport does not pass: the local address each
 * datagram arrived on (IP_PKTINFO, IPV6_PKTINFO) and the source to send from, beside UDP GRO and
 * GSO. IPv4 peers arrive as IPv4-mapped addresses and are turned back into plain IPv4 here. The
 * layouts are Linux's on x86-64 and arm64 (struct msghdr, iovec, cmsghdr, sockaddr_in6, the
 * pktinfo structs), the machines overlayd runs on.
 */
final class UdpSocket {
    /** Public only because JNR-FFI implements it from another class loader. */
    public interface Calls {
        @SaveError
        int socket(int domain, int type, int protocol);

        @SaveError
        int setsockopt(int fd, int level, int name, @In int[] value, int length);

        @SaveError
        int bind(int fd, Pointer address, int length);

        @SaveError
        int getsockname(int fd, Pointer address, @In @Out int[] length);

        @SaveError
        long recvmsg(int fd, Pointer msghdr, int flags);

        @SaveError
        long sendmsg(int fd, Pointer msghdr, int flags);

        @IgnoreError
        int shutdown(int fd, int how);

        @IgnoreError
        int close(int fd);

        @IgnoreError
        String strerror(int errno);
    }

    private static final Calls C = LibraryLoader.create(Calls.class).load("c");
    private static final jnr.ffi.Runtime RUNTIME = jnr.ffi.Runtime.getRuntime(C);

    static final int EINTR = 4;
    static final int EAGAIN = 11;
    static final int EINVAL = 22;
    /** What sendmsg answers when a GSO segment with its headers is longer than the route's MTU. */
    static final int EMSGSIZE = 90;
    static final int ENETUNREACH = 101;

    private static final int AF_INET6 = 10;
    private static final int SOCK_DGRAM = 2;
    private static final int SOCK_CLOEXEC = 0x80000;
    private static final int SOL_SOCKET = 1;
    private static final int SO_SNDBUF = 7;
    private static final int SO_RCVBUF = 8;
    private static final int SOL_IP = 0;
    private static final int IP_PKTINFO = 8;
    private static final int SOL_IPV6 = 41;
    private static final int IPV6_V6ONLY = 26;
    private static final int IPV6_RECVPKTINFO = 49;
    private static final int IPV6_PKTINFO = 50;
    private static final int SOL_UDP = 17;
    private static final int UDP_SEGMENT = 103;
    private static final int UDP_GRO = 104;
    private static final int MSG_DONTWAIT = 0x40;
    private static final int SHUT_RDWR = 2;

    private static final int MSGHDR = 0;
    private static final int MSG_NAMELEN = 8;
    private static final int MSG_CONTROLLEN = 40;
    private static final int IOVEC = 56;
    private static final int NAME = IOVEC + 16;
    private static final int SOCKADDR_IN6 = 28;
    private static final int CONTROL = NAME + 32;
    private static final int CMSG_HEADER = 16;

    private final int fd;
    private final int port;
    private final boolean gso;
    private volatile boolean closed;

    private UdpSocket(int fd, int port, boolean gso) {
        this.fd = fd;
        this.port = port;
        this.gso = gso;
    }

    /** A socket on [::]:port (0: any free port) with the given send and receive buffer sizes. */
    static UdpSocket open(int port, int bufferSize) throws IOException {
        int fd = C.socket(AF_INET6, SOCK_DGRAM | SOCK_CLOEXEC, 0);
        if (fd < 0) {
            throw new IOException("cannot open a UDP socket: " + C.strerror(RUNTIME.getLastError()));
        }
        try {
            option(fd, SOL_IPV6, IPV6_V6ONLY, 0);
            option(fd, SOL_SOCKET, SO_RCVBUF, bufferSize);
            option(fd, SOL_SOCKET, SO_SNDBUF, bufferSize);
            option(fd, SOL_IP, IP_PKTINFO, 1);
            option(fd, SOL_IPV6, IPV6_RECVPKTINFO, 1);
            // Kernels without UDP GRO still work, a datagram per receive.
            C.setsockopt(fd, SOL_UDP, UDP_GRO, new int[] {1}, 4);
            // Setting no default segment size tells whether the kernel knows UDP_SEGMENT at all.
            boolean gso = C.setsockopt(fd, SOL_UDP, UDP_SEGMENT, new int[] {0}, 4) == 0;
            Pointer address = Memory.allocateDirect(RUNTIME, SOCKADDR_IN6, true);
            address.putShort(0, (short) AF_INET6);
            address.putByte(2, (byte) (port >>> 8));
            address.putByte(3, (byte) port);
            if (C.bind(fd, address, SOCKADDR_IN6) != 0) {
                throw new IOException("cannot listen on UDP port " + port + ": " + C.strerror(RUNTIME.getLastError()));
            }
            int[] length = {SOCKADDR_IN6};
            if (C.getsockname(fd, address, length) != 0) {
                throw new IOException("cannot read the UDP port bound: " + C.strerror(RUNTIME.getLastError()));
            }
            return new UdpSocket(fd, (address.getByte(2) & 0xff) << 8 | address.getByte(3) & 0xff, gso);
        } catch (IOException e) {
            C.close(fd);
            throw e;
        }
    }

    private static void option(int fd, int level, int name, int value) throws IOException {
        if (C.setsockopt(fd, level, name, new int[] {value}, 4) != 0) {
            throw new IOException("cannot set UDP socket option " + level + "/" + name + ": "
                    + C.strerror(RUNTIME.getLastError()));
        }
    }

    int port() {
        return port;
    }

    /** Whether the kernel takes UDP_SEGMENT: a device may still refuse a batch at send time. */
    boolean gso() {
        return gso;
    }

    boolean isClosed() {
        return closed;
    }

    /** Wakes a receive blocked on the socket; it returns and sees {@link #isClosed()}. */
    void shutdown() {
        closed = true;
        C.shutdown(fd, SHUT_RDWR);
    }

    /** Frees the port; no call may be under way or follow. */
    void close() {
        closed = true;
        C.close(fd);
    }

    static String describe(int errno) {
        return C.strerror(errno);
    }

    /** A receive's buffers and what it found; one per receiving thread. */
    final class Receive {
        private static final int CONTROL_SPACE = 128;
        /** The sender's address, port and scope, then the local address it came to (zeros: none). */
        private static final int KEY = 16 + 2 + 4 + 16;
        private static final int LOCAL = KEY - 16;
        private final Pointer header = Memory.allocateDirect(RUNTIME, CONTROL + CONTROL_SPACE, true);
        private final Pointer data;
        private final byte[] key = new byte[KEY];
        private final byte[] lastKey = new byte[KEY];
        private Endpoint last;
        private InetAddress lastSource;
        private int segmentSize;

        Receive(int capacity) {
            data = Memory.allocateDirect(RUNTIME, capacity, true);
            long base = header.address();
            header.putLong(MSGHDR, base + NAME);
            header.putLong(MSGHDR + 16, base + IOVEC);
            header.putLong(MSGHDR + 24, 1);
            header.putLong(MSGHDR + 32, base + CONTROL);
            header.putLong(IOVEC, data.address());
            header.putLong(IOVEC + 8, capacity);
        }

        /**
         * Receives into the buffer, waiting for a datagram or not; the length, or minus errno
         * (EAGAIN when not waiting and nothing is there).
         */
        int receive(boolean wait) {
            header.putInt(MSG_NAMELEN, SOCKADDR_IN6);
            header.putLong(MSG_CONTROLLEN, CONTROL_SPACE);
            long n = C.recvmsg(fd, header, wait ? 0 : MSG_DONTWAIT);
            if (n < 0) {
                return -RUNTIME.getLastError();
            }
            readControl();
            return (int) n;
        }

        /** Copies the datagrams received into buf from 0. */
        void copy(byte[] buf, int length) {
            data.get(0, buf, 0, length);
        }

        /** The size of the GRO segments the receive brought, 0 for a single datagram. */
        int segmentSize() {
            return segmentSize;
        }

        /**
         * Who sent it and the local address it came to: the same object while neither changes (and
         * its source was not cleared), so that a burst costs no allocation.
         */
        Endpoint from() {
            header.get(NAME + 8, key, 0, 16);
            header.get(NAME + 2, key, 16, 2);
            header.get(NAME + 24, key, 18, 4);
            if (last != null && Arrays.equals(key, lastKey) && last.source() == lastSource) {
                return last;
            }
            System.arraycopy(key, 0, lastKey, 0, KEY);
            int scope = header.getInt(NAME + 24);
            InetAddress remote = address(Arrays.copyOfRange(key, 0, 16), scope);
            boolean local = false;
            for (int i = LOCAL; i < KEY && !local; i++) {
                local = key[i] != 0;
            }
            lastSource = local ? address(Arrays.copyOfRange(key, LOCAL, KEY), 0) : null;
            last = new Endpoint(new InetSocketAddress(remote, (key[16] & 0xff) << 8 | key[17] & 0xff), lastSource);
            return last;
        }

        /** The GRO segment size, and the datagram's destination address into the key. */
        private void readControl() {
            segmentSize = 0;
            Arrays.fill(key, LOCAL, KEY, (byte) 0);
            long length = header.getLong(MSG_CONTROLLEN);
            for (long at = 0; at + CMSG_HEADER <= length; ) {
                long size = header.getLong(CONTROL + at);
                if (size < CMSG_HEADER) {
                    break;
                }
                int level = header.getInt(CONTROL + at + 8);
                int type = header.getInt(CONTROL + at + 12);
                long body = CONTROL + at + CMSG_HEADER;
                if (level == SOL_UDP && type == UDP_GRO) {
                    segmentSize = header.getInt(body);
                } else if (level == SOL_IP && type == IP_PKTINFO) {
                    // struct in_pktinfo {ifindex, spec_dst, addr}: addr is what the peer sent to,
                    // kept IPv4-mapped like the sender's address.
                    key[LOCAL + 10] = (byte) 0xff;
                    key[LOCAL + 11] = (byte) 0xff;
                    header.get(body + 8, key, LOCAL + 12, 4);
                } else if (level == SOL_IPV6 && type == IPV6_PKTINFO) {
                    // struct in6_pktinfo {addr, ifindex}.
                    header.get(body, key, LOCAL, 16);
                }
                at += (size + 7) & ~7L;
            }
        }
    }

    /** A send's header and control messages; one per sending thread. */
    final class Send {
        /** UDP_SEGMENT's u16, then an in6_pktinfo (the larger pktinfo), each in its cmsg space. */
        private static final int SEGMENT_SPACE = CMSG_HEADER + 8;
        private static final int CONTROL_SPACE = SEGMENT_SPACE + CMSG_HEADER + 24;
        private final Pointer header = Memory.allocateDirect(RUNTIME, CONTROL + CONTROL_SPACE, true);

        Send() {
            long base = header.address();
            header.putLong(MSGHDR, base + NAME);
            header.putInt(MSG_NAMELEN, SOCKADDR_IN6);
            header.putLong(MSGHDR + 16, base + IOVEC);
            header.putLong(MSGHDR + 24, 1);
            header.putLong(MSGHDR + 32, base + CONTROL);
            header.putShort(NAME, (short) AF_INET6);
        }

        /**
         * Sends length bytes at address to the destination, from source unless it is null, cut
         * into datagrams of segmentSize by the kernel unless it is 0; 0, or the errno of the failure.
         */
        int send(long address, int length, int segmentSize, InetSocketAddress to, InetAddress source) {
            header.putLong(IOVEC, address);
            header.putLong(IOVEC + 8, length);
            int port = to.getPort();
            header.putByte(NAME + 2, (byte) (port >>> 8));
            header.putByte(NAME + 3, (byte) port);
            InetAddress ip = to.getAddress();
            putMapped(NAME + 8, ip);
            header.putInt(NAME + 24, ip instanceof Inet6Address v6 ? v6.getScopeId() : 0);
            int control = 0;
            if (segmentSize > 0) {
                header.putLong(CONTROL, CMSG_HEADER + 2);
                header.putInt(CONTROL + 8, SOL_UDP);
                header.putInt(CONTROL + 12, UDP_SEGMENT);
                header.putShort(CONTROL + CMSG_HEADER, (short) segmentSize);
                control = SEGMENT_SPACE;
            }
            if (source instanceof Inet4Address && ip instanceof Inet4Address) {
                // struct in_pktinfo {ifindex, spec_dst, addr}: spec_dst is the source.
                header.putLong(CONTROL + control, CMSG_HEADER + 12);
                header.putInt(CONTROL + control + 8, SOL_IP);
                header.putInt(CONTROL + control + 12, IP_PKTINFO);
                header.putInt(CONTROL + control + CMSG_HEADER, 0);
                header.put(CONTROL + control + CMSG_HEADER + 4, source.getAddress(), 0, 4);
                header.putInt(CONTROL + control + CMSG_HEADER + 8, 0);
                control += CMSG_HEADER + 16;
            } else if (source instanceof Inet6Address && ip instanceof Inet6Address) {
                header.putLong(CONTROL + control, CMSG_HEADER + 20);
                header.putInt(CONTROL + control + 8, SOL_IPV6);
                header.putInt(CONTROL + control + 12, IPV6_PKTINFO);
                header.put(CONTROL + control + CMSG_HEADER, source.getAddress(), 0, 16);
                header.putInt(CONTROL + control + CMSG_HEADER + 16, 0);
                control += CMSG_HEADER + 24;
            }
            header.putLong(MSG_CONTROLLEN, control);
            while (true) {
                long sent = C.sendmsg(fd, header, 0);
                if (sent == length) {
                    return 0;
                }
                int errno = sent < 0 ? RUNTIME.getLastError() : EINVAL;
                if (errno != EINTR) {
                    return errno;
                }
            }
        }

        UdpSocket socket() {
            return UdpSocket.this;
        }

        private void putMapped(int offset, InetAddress ip) {
            byte[] raw = ip.getAddress();
            if (raw.length == 4) {
                header.putLong(offset, 0);
                header.putInt(offset + 8, 0xffff0000);
                header.put(offset + 12, raw, 0, 4);
            } else {
                header.put(offset, raw, 0, 16);
            }
        }
    }

    /** IPv4-mapped addresses become plain IPv4, so that endpoints print and compare as IPv4. */
    private static InetAddress address(byte[] raw, int scope) {
        try {
            InetAddress ip = InetAddress.getByAddress(raw);
            return scope != 0 && ip instanceof Inet6Address ? Inet6Address.getByAddress(null, raw, scope) : ip;
        } catch (UnknownHostException e) {
            throw new IllegalArgumentException(e);
        }
    }
}
