package dev.overlayd.noise.interop;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.StandardProtocolFamily;
import java.nio.channels.DatagramChannel;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ThreadLocalRandom;
import jnr.ffi.LibraryLoader;

/**
 * A network namespace that a test creates and removes, so its traffic never leaves the test.
 * Sockets of the test JVM join it through setns(2) on a short-lived thread: a socket stays in the
 * namespace it was created in, whichever thread uses it later.
 */
final class Netns implements AutoCloseable {
    private static final int CLONE_NEWNET = 0x40000000;
    private static final int O_RDONLY = 0;
    private static final int O_CLOEXEC = 0x80000;

    public interface LibC {
        int open(String path, int flags);

        int setns(int fd, int nstype);

        int close(int fd);
    }

    private static final LibC LIBC = LibraryLoader.create(LibC.class).load("c");

    final String name;

    private Netns(String name) {
        this.name = name;
    }

    static Netns create(String prefix) throws IOException, InterruptedException {
        String name = prefix + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt()).substring(0, 6);
        run("ip", "netns", "add", name);
        Netns ns = new Netns(name);
        ns.exec("ip", "link", "set", "lo", "up");
        return ns;
    }

    /** Runs a command inside the namespace; fails with its output when it exits non-zero. */
    String exec(String... command) throws IOException, InterruptedException {
        return run(inside(command));
    }

    List<String> inside(String... command) {
        List<String> full = new ArrayList<>(List.of("ip", "netns", "exec", name));
        full.addAll(List.of(command));
        return full;
    }

    DatagramChannel openUdp(InetSocketAddress bind) throws IOException {
        CompletableFuture<DatagramChannel> result = new CompletableFuture<>();
        Thread thread = new Thread(() -> {
            int fd = LIBC.open("/var/run/netns/" + name, O_RDONLY | O_CLOEXEC);
            if (fd < 0 || LIBC.setns(fd, CLONE_NEWNET) != 0) {
                result.completeExceptionally(new IOException("cannot enter network namespace " + name));
                return;
            }
            LIBC.close(fd);
            try {
                DatagramChannel channel = DatagramChannel.open(StandardProtocolFamily.INET);
                channel.bind(bind);
                result.complete(channel);
            } catch (IOException e) {
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
            throw new IOException(e.getCause());
        }
    }

    @Override
    public void close() throws IOException, InterruptedException {
        run("ip", "netns", "del", name);
    }

    static String run(String... command) throws IOException, InterruptedException {
        return run(List.of(command));
    }

    static String run(List<String> command) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        int status = process.waitFor();
        if (status != 0) {
            throw new IOException(String.join(" ", command) + " exited " + status + ": " + output.strip());
        }
        return output;
    }
}
