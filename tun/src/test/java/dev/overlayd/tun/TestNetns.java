package dev.overlayd.tun;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ThreadLocalRandom;
import jnr.ffi.LibraryLoader;

/**
 * A network namespace of one test, so its TUN devices, addresses and routes never reach the host.
 * TUNs are opened inside it from a short-lived thread that first joins it with setns(2): a TUN stays
 * in the namespace of the thread that created it, while the test JVM stays in the root namespace.
 * {@link #close()} closes those TUNs before deleting the namespace, because an open TUN holds a
 * reference on its namespace and would keep it alive, unnamed, after {@code ip netns del}.
 */
final class TestNetns implements AutoCloseable {
    private static final int CLONE_NEWNET = 0x40000000;
    private static final int O_RDONLY = 0;
    private static final int O_CLOEXEC = 0x80000;

    public interface Calls {
        int open(String path, int flags);

        int setns(int fd, int nstype);

        int close(int fd);

        int geteuid();
    }

    private static final Calls LIBC = LibraryLoader.create(Calls.class).load("c");

    final String name;
    private final List<LinuxTun> tuns = new ArrayList<>();

    private TestNetns(String name) {
        this.name = name;
    }

    /** Fails the test, rather than skipping it, when not root. */
    static TestNetns create() throws IOException {
        if (LIBC.geteuid() != 0) {
            fail("the TUN tests need root (they create network namespaces and TUN devices); euid is " + LIBC.geteuid());
        }
        String name = "ovt-" + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt());
        run("ip", "netns", "add", name);
        return new TestNetns(name);
    }

    /** A TUN with whatever offloads the kernel grants, as the daemon opens it. */
    LinuxTun openTun(String ifname) throws IOException {
        return keep(inside(() -> LinuxTun.open(ifname)));
    }

    LinuxTun openTun(String ifname, Offloads offloads) throws IOException {
        return keep(inside(() -> LinuxTun.open(ifname, offloads)));
    }

    private LinuxTun keep(LinuxTun tun) {
        tuns.add(tun);
        return tun;
    }

    interface Action<T> {
        T run() throws IOException;
    }

    /**
     * Runs {@code action} on a short-lived thread that first joins this namespace, so that what it
     * creates (a TUN, a socket) belongs here. A socket made so must be closed before {@link #close()}.
     */
    <T> T inside(Action<T> action) throws IOException {
        CompletableFuture<T> result = new CompletableFuture<>();
        Thread thread = new Thread(() -> {
            try {
                int fd = LIBC.open("/var/run/netns/" + name, O_RDONLY | O_CLOEXEC);
                if (fd < 0) {
                    throw new IOException("cannot open /var/run/netns/" + name);
                }
                int joined = LIBC.setns(fd, CLONE_NEWNET);
                LIBC.close(fd);
                if (joined != 0) {
                    throw new IOException("cannot enter network namespace " + name);
                }
                result.complete(action.run());
            } catch (Throwable e) {
                result.completeExceptionally(e);
            }
        }, "netns-" + name);
        thread.start();
        try {
            return result.get();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(e);
        } catch (ExecutionException e) {
            if (e.getCause() instanceof IOException io) {
                throw io;
            }
            throw new IOException(e.getCause());
        }
    }

    Link link(String ifname) {
        return Link.inNetns(name, ifname);
    }

    /** Runs {@code ip -n NAME args...} and returns its output; fails with it when ip exits non-zero. */
    String ip(String... args) throws IOException {
        List<String> command = new ArrayList<>(List.of("ip", "-n", name));
        command.addAll(List.of(args));
        return run(command.toArray(String[]::new));
    }

    @Override
    public void close() throws IOException {
        for (LinuxTun tun : tuns) {
            tun.close();
        }
        run("ip", "netns", "del", name);
    }

    private static String run(String... command) throws IOException {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        try {
            int status = process.waitFor();
            if (status != 0) {
                throw new IOException(String.join(" ", command) + " exited " + status + ": " + output.strip());
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(e);
        }
        return output;
    }
}
