package dev.overlayd.testing;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import jnr.ffi.LibraryLoader;

/**
 * A network namespace that a test creates and removes, so its devices, addresses, routes and
 * traffic never reach the host. The test JVM stays in the root namespace; what must live in this
 * one (a socket, a TUN) is created by {@link #call} on a short-lived thread that first joins it
 * with setns(2): a descriptor stays in the namespace it was created in, whichever thread uses it.
 */
public final class Netns implements AutoCloseable {
    private static final int CLONE_NEWNET = 0x40000000;
    private static final int O_RDONLY = 0;
    private static final int O_CLOEXEC = 0x80000;
    private static final long CALL_BOUND_SECONDS = 120;

    public interface LibC {
        int open(String path, int flags);

        int setns(int fd, int nstype);

        int close(int fd);

        int geteuid();
    }

    private static final LibC LIBC = LibraryLoader.create(LibC.class).load("c");

    private final String name;
    private final List<AutoCloseable> owned = new ArrayList<>();

    private Netns(String name) {
        this.name = name;
    }

    /** A namespace named {@code prefix} and 8 random hex digits. Fails the test, rather than skipping it, when not root. */
    public static Netns create(String prefix) throws IOException {
        int euid = LIBC.geteuid();
        if (euid != 0) {
            fail("this test needs root (it creates network namespaces and TUN devices in them); euid is " + euid);
        }
        String name = prefix + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt());
        run("ip", "netns", "add", name);
        return new Netns(name);
    }

    public String name() {
        return name;
    }

    /** Runs a command inside the namespace; fails with its output when it exits non-zero. */
    public String exec(String... command) throws IOException {
        return run(inside(command));
    }

    /** {@code command} prefixed to run inside the namespace, for a process the test starts itself. */
    public List<String> inside(String... command) {
        List<String> full = new ArrayList<>(List.of("ip", "netns", "exec", name));
        full.addAll(List.of(command));
        return full;
    }

    /** Runs {@code ip -n NAME args...} and returns its output; fails with it when ip exits non-zero. */
    public String ip(String... args) throws IOException {
        List<String> command = new ArrayList<>(List.of("ip", "-n", name));
        command.addAll(List.of(args));
        return run(command);
    }

    /**
     * Runs {@code action} on a short-lived thread that has joined this namespace, so that what it
     * creates belongs here. Whatever it opens holds a reference on the namespace and would keep it
     * alive, unnamed, after {@code ip netns del}: close it before {@link #close()}, or open it with
     * {@link #open}.
     */
    public <T> T call(Callable<T> action) throws IOException {
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
                result.complete(action.call());
            } catch (Throwable e) {
                result.completeExceptionally(e);
            }
        }, "netns-" + name);
        thread.setDaemon(true); // one that hangs past the bound must not keep the test JVM alive
        thread.start();
        try {
            // Bounded: an action that hangs (a socket that never answers) fails the test instead.
            return result.get(CALL_BOUND_SECONDS, TimeUnit.SECONDS);
        } catch (TimeoutException e) {
            thread.interrupt();
            throw new IOException("still running in " + name + " after " + CALL_BOUND_SECONDS + " s", e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(e);
        } catch (ExecutionException e) {
            switch (e.getCause()) {
                case IOException io -> throw io;
                case RuntimeException unchecked -> throw unchecked;
                case Error error -> throw error;
                default -> throw new IOException(e.getCause());
            }
        }
    }

    /** Like {@link #call}, and what {@code opener} returns is closed by {@link #close()} before the namespace goes. */
    public <T extends AutoCloseable> T open(Callable<T> opener) throws IOException {
        T resource = call(opener);
        owned.add(resource);
        return resource;
    }

    /** Closes what {@link #open} opened, then deletes the namespace, even when one of those closes fails. */
    @Override
    public void close() throws IOException {
        IOException failure = null;
        for (AutoCloseable resource : owned.reversed()) {
            try {
                resource.close();
            } catch (Exception e) {
                if (failure == null) {
                    failure = new IOException("cannot close what was opened in " + name, e);
                } else {
                    failure.addSuppressed(e);
                }
            }
        }
        try {
            run("ip", "netns", "del", name);
        } catch (IOException e) {
            if (failure != null) {
                e.addSuppressed(failure);
            }
            throw e;
        }
        if (failure != null) {
            throw failure;
        }
    }

    /** Runs a command on the host; fails with its output when it exits non-zero. */
    public static String run(String... command) throws IOException {
        return run(List.of(command));
    }

    private static String run(List<String> command) throws IOException {
        Commands.Result r = Commands.run(command, 60);
        if (r.status() != 0) {
            throw new IOException(String.join(" ", command) + " exited " + r.status() + ": " + r.output().strip());
        }
        return r.output();
    }
}
