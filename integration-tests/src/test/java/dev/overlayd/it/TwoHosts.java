package dev.overlayd.it;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.overlayd.testing.Commands;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

/**
 * Two hosts joined by a veth pair: underlay 198.18.0.1 and .2, overlay 100.64.0.1 and .2 (or, from
 * {@link #ipv6()}, fd00:18::1 and ::2, fd00:64::1 and ::2). Names are random, so a test can never
 * collide with another or with anything on the machine.
 */
final class TwoHosts implements AutoCloseable {
    private static final int TCP_PORT = 9000;

    /** One address family's addresses: the underlay's, in a subnet of {@code underlayBits}, and the overlay's. */
    private record Addresses(String underlayA, String underlayB, int underlayBits, String overlayA, String overlayB) {}

    private static final Addresses IPV4 = new Addresses("198.18.0.1", "198.18.0.2", 24, "100.64.0.1", "100.64.0.2");
    /** Unique-local addresses, which exist only inside the test's namespaces. */
    private static final Addresses IPV6 = new Addresses("fd00:18::1", "fd00:18::2", 64, "fd00:64::1", "fd00:64::2");

    final Host a;
    final Host b;
    private final String prefix;
    private final Path dir;
    private final int underlayBits;

    TwoHosts() throws Exception {
        this(IPV4);
    }

    /** The same two hosts with only IPv6 on the underlay and in the overlay. */
    static TwoHosts ipv6() throws Exception {
        return new TwoHosts(IPV6);
    }

    private TwoHosts(Addresses addresses) throws Exception {
        underlayBits = addresses.underlayBits();
        String uid = Sh.ok("id", "-u").strip();
        if (!uid.equals("0")) {
            throw new IllegalStateException("the integration tests need root (network namespaces, TUN devices); uid is " + uid);
        }
        prefix = "ovi" + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt()).substring(0, 5);
        dir = Files.createTempDirectory("overlayd-it");
        Host made0 = null;
        Host made1 = null;
        try {
            Sh.ok("ip", "netns", "add", prefix + "a");
            Sh.ok("ip", "netns", "add", prefix + "b");
            Sh.ok("ip", "link", "add", prefix + "va", "type", "veth", "peer", "name", prefix + "vb");
            Sh.ok("ip", "link", "set", prefix + "va", "netns", prefix + "a");
            Sh.ok("ip", "link", "set", prefix + "vb", "netns", prefix + "b");
            made0 = new Host(prefix + "a", addresses.underlayA(), addresses.overlayA(), prefix + "ta", dir);
            made1 = new Host(prefix + "b", addresses.underlayB(), addresses.overlayB(), prefix + "tb", dir);
            for (Host h : new Host[] {made0, made1}) {
                if (h.ipv6()) {
                    // No duplicate address detection to wait out, on the veth or the tunnel made later.
                    h.exec("sysctl", "-q", "-w", "net.ipv6.conf.default.accept_dad=0");
                    h.exec("sysctl", "-q", "-w", "net.ipv6.conf." + veth(h) + ".accept_dad=0");
                }
                h.exec("ip", "addr", "add", h.underlayIp + "/" + underlayBits, "dev", veth(h));
                h.exec("ip", "link", "set", "lo", "up");
                h.exec("ip", "link", "set", veth(h), "up");
            }
        } catch (Exception | Error e) {
            // Nothing a failed constructor made may outlive it: close() is never called then.
            removeAll(made0, made1);
            throw e;
        }
        a = made0;
        b = made1;
    }

    String veth(Host h) {
        return prefix + "v" + h.netns.charAt(h.netns.length() - 1);
    }

    Path dir() {
        return dir;
    }

    /** Starts tcpdump on the host's underlay veth; close it before reading what it saw. */
    Capture capture(Host h) throws Exception {
        return new Capture(h, veth(h), h == a ? b : a, dir);
    }

    /** Gives the host another underlay address in the same subnet in place of its current one. */
    void moveUnderlay(Host h, String newIp) throws Exception {
        h.exec("ip", "addr", "del", h.underlayIp + "/" + underlayBits, "dev", veth(h));
        h.exec("ip", "addr", "add", newIp + "/" + underlayBits, "dev", veth(h));
        h.underlayIp = newIp;
    }

    /** overlayd on both hosts, each peered with the other and knowing its endpoint, a session up between them. */
    void connectOverlayd() throws Exception {
        a.startOverlayd();
        b.startOverlayd();
        a.peerWith(b, true);
        b.peerWith(a, true);
        assertPings(a, b);
    }

    void assertPings(Host from, Host to) throws Exception {
        Sh.Run ping = from.tryExec(30, "ping", "-c", "3", "-i", "0.3", "-W", "5", to.overlayIp);
        assertEquals(0, ping.status(), () -> "ping " + from.overlayIp + " -> " + to.overlayIp + " failed:\n"
                + ping.output() + "\n--- " + from.iface + " log:\n" + from.log() + "\n--- " + to.iface + " log:\n" + to.log());
    }

    /** 4 MiB of random bytes from one host to the other over TCP, compared by SHA-256 on both ends. */
    void assertTcpTransfer(Host from, Host to) throws Exception {
        assertTcpTransfer(from, to, "head -c " + (4 << 20) + " /dev/urandom");
    }

    /** What the shell command {@code source} writes, from one host to the other over TCP, compared by SHA-256. */
    void assertTcpTransfer(Host from, Host to, String source) throws Exception {
        assertTcpTransfer(from, to, source, () -> {});
    }

    /**
     * Random bytes from one host to the other over TCP, a steady trickle (64 KiB every 0.2 s) for as
     * long as it takes {@code done} to hold, then compared by SHA-256 on both ends.
     */
    void assertTcpTransferUntil(Host from, Host to, String what, Duration bound, Await.Check done) throws Exception {
        Path stop = dir.resolve("stop-sending");
        Files.deleteIfExists(stop);
        assertTcpTransfer(from, to, "while [ ! -e " + stop + " ]; do head -c 65536 /dev/urandom; sleep 0.2; done", () -> {
            try {
                Await.until(what, bound, done, () -> "--- " + from.iface + " log:\n" + from.log() + "\n--- "
                        + to.iface + " log:\n" + to.log());
            } finally {
                Files.createFile(stop);
            }
        });
    }

    @FunctionalInterface
    private interface WhileSending {
        void run() throws Exception;
    }

    /** Sends what the shell command {@code source} writes; the sender keeps a copy to compare with. */
    private void assertTcpTransfer(Host from, Host to, String source, WhileSending whileSending) throws Exception {
        Path sent = dir.resolve("sent.bin");
        Path received = dir.resolve("received.bin");
        Path log = dir.resolve("nc.log");
        // OpenBSD nc listens on IPv4 alone unless told -6.
        String listen = "exec nc " + (to.ipv6() ? "-6 " : "") + "-l -p " + TCP_PORT + " > " + received;
        Process server = new ProcessBuilder(to.inside("sh", "-c", listen)).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        Process client = null;
        try {
            // A client that connects before the listener exists is refused.
            Await.until("nc to listen on " + to.netns, Duration.ofSeconds(10),
                    () -> to.exec("ss", "-Htln", "sport = :" + TCP_PORT).contains(":" + TCP_PORT));
            client = new ProcessBuilder(from.inside("sh", "-c", source + " | tee " + sent + " | nc -N -w 10 "
                    + to.overlayIp + " " + TCP_PORT)).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
            whileSending.run();
            assertTrue(client.waitFor(120, TimeUnit.SECONDS), "the sender finished");
            assertEquals(0, client.exitValue(), () -> "the sender failed: " + readOrEmpty(log));
            assertTrue(server.waitFor(30, TimeUnit.SECONDS), "the receiver finished");
        } finally {
            if (client != null) {
                Commands.kill(client);
            }
            Commands.kill(server);
        }
        assertTrue(Files.size(sent) > 0, "something was sent");
        assertEquals(sha256(sent), sha256(received), "the bytes that arrived are the bytes sent");
    }

    private static String readOrEmpty(Path file) {
        try {
            return Files.readString(file);
        } catch (java.io.IOException e) {
            return "";
        }
    }

    private static String sha256(Path file) throws Exception {
        return Sh.ok("sha256sum", file.toString()).split("\\s+")[0];
    }

    @Override
    public void close() throws Exception {
        removeAll(a, b);
    }

    private void removeAll(Host... hosts) throws Exception {
        Exception failure = null;
        for (Host h : hosts) {
            try {
                if (h != null) {
                    h.close();
                }
            } catch (Exception e) {
                // The other host's daemon must still be stopped: a deleted namespace does not stop it.
                if (failure == null) {
                    failure = e;
                } else {
                    failure.addSuppressed(e);
                }
            }
        }
        Sh.run(List.of("ip", "netns", "del", prefix + "a"), 10);
        Sh.run(List.of("ip", "netns", "del", prefix + "b"), 10);
        // Only there when the constructor failed before moving it into a namespace.
        Sh.run(List.of("ip", "link", "del", prefix + "va"), 10);
        try (var files = Files.walk(dir)) {
            for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(p);
            }
        }
        if (failure != null) {
            throw failure;
        }
    }
}
