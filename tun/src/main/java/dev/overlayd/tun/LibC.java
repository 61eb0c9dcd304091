package dev.overlayd.tun;

import jnr.ffi.LibraryLoader;
import jnr.ffi.Pointer;
import jnr.ffi.annotations.IgnoreError;
import jnr.ffi.annotations.In;
import jnr.ffi.annotations.Out;
import jnr.ffi.annotations.Variadic;
import jnr.ffi.types.size_t;
import jnr.ffi.types.ssize_t;

/**
 * The handful of libc calls behind {@link LinuxTun} and {@link MtuWatch}, and errno as JNR saved it after the last call on
 * this thread. The constants are Linux's values for x86-64 and arm64, the machines overlayd runs on.
 */
final class LibC {
    static final int O_RDWR = 0x2;
    static final int O_NONBLOCK = 0x800;
    static final int O_CLOEXEC = 0x80000;
    static final int EFD_CLOEXEC = O_CLOEXEC;
    static final short POLLIN = 0x1;
    static final int AF_NETLINK = 16;
    static final int SOCK_RAW = 3;
    static final int SOCK_NONBLOCK = O_NONBLOCK;
    static final int SOCK_CLOEXEC = O_CLOEXEC;
    static final int NETLINK_ROUTE = 0;

    static final int EPERM = 1;
    static final int ENOENT = 2;
    static final int EINTR = 4;
    static final int EACCES = 13;
    static final int EAGAIN = 11;
    static final int EINVAL = 22;
    /** A netlink socket's receive queue overflowed: notifications were lost. */
    static final int ENOBUFS = 105;
    /** What a TUN fd answers once its interface was deleted: the kernel detached the fd from the netdev. */
    static final int EBADFD = 77;

    /** Public only because JNR-FFI implements it from another class loader; the class around it hides it. */
    public interface Calls {
        int open(String path, int flags);

        /** Variadic in C: declared so, the ABI may pass the third argument differently. */
        @Variadic(fixedCount = 2)
        int ioctl(int fd, long request, @In @Out byte[] arg);

        /** The requests that take a value rather than a pointer, such as TUNSETOFFLOAD. */
        @Variadic(fixedCount = 2)
        int ioctl(int fd, long request, long arg);

        @ssize_t long read(int fd, Pointer buf, @size_t long count);

        @ssize_t long write(int fd, Pointer buf, @size_t long count);

        int poll(Pointer fds, long nfds, int timeoutMillis);

        int eventfd(int initval, int flags);

        int socket(int domain, int type, int protocol);

        int bind(int fd, Pointer address, int length);

        @ssize_t long send(int fd, Pointer buf, @size_t long count, int flags);

        @ssize_t long recv(int fd, Pointer buf, @size_t long count, int flags);

        /** 0 when there is no such interface. */
        int if_nametoindex(String name);

        /** Nothing useful can be done about a failed close of a TUN or eventfd, so errno is not kept. */
        @IgnoreError
        int close(int fd);

        @IgnoreError
        String strerror(int errno);
    }

    static final Calls C = LibraryLoader.create(Calls.class).load("c");
    static final jnr.ffi.Runtime RUNTIME = jnr.ffi.Runtime.getRuntime(C);

    private LibC() {
    }

    static int errno() {
        return RUNTIME.getLastError();
    }

    /**
     * An eventfd for waking a thread in poll(2), which close(2) of the polled descriptor cannot do;
     * on failure {@code owner} (the descriptor it is for) is closed and the error says what it was for.
     */
    static int wakeEventFd(int owner, String what) throws java.io.IOException {
        int fd = C.eventfd(0, EFD_CLOEXEC);
        if (fd < 0) {
            int errno = errno();
            C.close(owner);
            throw new java.io.IOException("cannot create an eventfd for " + what + ": " + describe(errno));
        }
        return fd;
    }

    /** Wakes whoever polls {@code eventFd}. */
    static void wake(int eventFd) {
        Pointer one = jnr.ffi.Memory.allocateDirect(RUNTIME, Long.BYTES);
        one.putLong(0, 1);
        C.write(eventFd, one, Long.BYTES);
    }

    /** The error as the C library words it, with a hint for the causes an operator can fix. */
    static String describe(int errno) {
        String text = C.strerror(errno);
        return switch (errno) {
            case EPERM, EACCES -> text + " (are you root?)";
            case ENOENT -> text + " (is the tun kernel module loaded?)";
            default -> text;
        };
    }
}
