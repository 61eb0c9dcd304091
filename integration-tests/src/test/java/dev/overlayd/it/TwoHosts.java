package dev.overlayd.it;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.HexFormat;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Two hosts joined by a veth pair: underlay 198.18.0.1 and .2, overlay 100.64.0.1 and .2. Names
 * are random, so a test can never collide with another or with anything on the machine.
 */
final class TwoHosts implements AutoCloseable {
    final Host a;
    final Host b;
    private final String prefix;
    private final Path dir;

    TwoHosts() throws Exception {
        String uid = Sh.ok("id", "-u").strip();
        if (!uid.equals("0")) {
            throw new IllegalStateException("the integration tests need root (network namespaces, TUN devices); uid is " + uid);
        }
        prefix = "ovi" + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt()).substring(0, 5);
        dir = Files.createTempDirectory("overlayd-it");
        Sh.ok("ip", "netns", "add", prefix + "a");
        Sh.ok("ip", "netns", "add", prefix + "b");
        Sh.ok("ip", "link", "add", prefix + "va", "type", "veth", "peer", "name", prefix + "vb");
        Sh.ok("ip", "link", "set", prefix + "va", "netns", prefix + "a");
        Sh.ok("ip", "link", "set", prefix + "vb", "netns", prefix + "b");
        a = new Host(prefix + "a", "198.18.0.1", "100.64.0.1", prefix + "ta", dir);
        b = new Host(prefix + "b", "198.18.0.2", "100.64.0.2", prefix + "tb", dir);
        for (Host h : new Host[] {a, b}) {
            String veth = prefix + "v" + h.netns.charAt(h.netns.length() - 1);
            h.exec("ip", "addr", "add", h.underlayIp + "/24", "dev", veth);
            h.exec("ip", "link", "set", "lo", "up");
            h.exec("ip", "link", "set", veth, "up");
        }
    }

    String veth(Host h) {
        return prefix + "v" + h.netns.charAt(h.netns.length() - 1);
    }

    Path dir() {
        return dir;
    }

    @Override
    public void close() throws Exception {
        try {
            a.close();
            b.close();
        } finally {
            Sh.run(java.util.List.of("ip", "netns", "del", prefix + "a"), 10);
            Sh.run(java.util.List.of("ip", "netns", "del", prefix + "b"), 10);
            try (var files = Files.walk(dir)) {
                for (Path p : files.sorted(Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(p);
                }
            }
        }
    }
}
