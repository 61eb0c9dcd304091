package dev.overlayd.peers;

import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import jnr.ffi.LibraryLoader;
import jnr.ffi.Memory;
import jnr.ffi.Pointer;
import jnr.ffi.annotations.SaveError;

/**
 * One UDP GSO batch sent with sendmsg(2) and a UDP_SEGMENT control message straight from the
 * calling thread, on the bind's socket: handing the batch to the event loop instead costs a thread
 * wake-up per batch. A batch of one datagram goes without the control message: the kernel refuses
 * UDP_SEGMENT for a segment longer than the underlay's MTU, while a lone datagram of that size is
 * sent in IP fragments. One per sending thread.
 */
final class GsoSend {
    public interface Calls {
        @SaveError
        long sendmsg(int fd, Pointer msghdr, int flags);
    }

    /** What sendmsg answers when a segment with its headers is longer than the route's MTU. */
    static final int EMSGSIZE = 90;

    private static final Calls C = LibraryLoader.create(Calls.class).load("c");
    private static final jnr.ffi.Runtime RUNTIME = jnr.ffi.Runtime.getRuntime(C);
    private static final int AF_INET6 = 10;
    private static final int SOL_UDP = 17;
    private static final int UDP_SEGMENT = 103;
    private static final int MSG_DONTWAIT = 0x40;
    /** x86-64 layouts: struct msghdr, iovec, sockaddr_in6 and a cmsghdr carrying a u16. */
    private static final int MSGHDR = 0;
    private static final int IOVEC = 56;
    private static final int SOCKADDR = IOVEC + 16;
    private static final int CMSG = SOCKADDR + 32;
    private static final int CMSG_SPACE = 24;

    private final Pointer memory = Memory.allocateDirect(RUNTIME, CMSG + CMSG_SPACE, true);

    GsoSend() {
        long base = memory.address();
        memory.putLong(MSGHDR, base + SOCKADDR);
        memory.putInt(MSGHDR + 8, 28);
        memory.putLong(MSGHDR + 16, base + IOVEC);
        memory.putLong(MSGHDR + 24, 1);
        memory.putLong(MSGHDR + 32, base + CMSG);
        memory.putLong(MSGHDR + 40, CMSG_SPACE);
        memory.putLong(CMSG, 16 + 2);
        memory.putInt(CMSG + 8, SOL_UDP);
        memory.putInt(CMSG + 12, UDP_SEGMENT);
        memory.putShort(SOCKADDR, (short) AF_INET6);
    }

    /**
     * Sends len bytes at address as datagrams of segmentSize; 0 when the kernel took them all, else
     * the errno, and the caller must send them another way (EAGAIN: the socket buffer is full;
     * {@link #EMSGSIZE}: the segments are too long to be cut by the kernel).
     */
    int send(int fd, long address, int len, int segmentSize, InetSocketAddress to) {
        memory.putLong(IOVEC, address);
        memory.putLong(IOVEC + 8, len);
        memory.putLong(MSGHDR + 40, len > segmentSize ? CMSG_SPACE : 0);
        memory.putShort(CMSG + 16, (short) segmentSize);
        int port = to.getPort();
        memory.putByte(SOCKADDR + 2, (byte) (port >>> 8));
        memory.putByte(SOCKADDR + 3, (byte) port);
        InetAddress ip = to.getAddress();
        byte[] raw = ip.getAddress();
        if (ip instanceof Inet4Address) {
            memory.putLong(SOCKADDR + 8, 0);
            memory.putInt(SOCKADDR + 16, 0xffff0000);
            memory.put(SOCKADDR + 20, raw, 0, 4);
            memory.putInt(SOCKADDR + 24, 0);
        } else {
            memory.put(SOCKADDR + 8, raw, 0, 16);
            memory.putInt(SOCKADDR + 24, ((java.net.Inet6Address) ip).getScopeId());
        }
        return C.sendmsg(fd, memory, MSG_DONTWAIT) == len ? 0 : RUNTIME.getLastError();
    }
}
