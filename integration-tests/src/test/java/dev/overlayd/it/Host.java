package dev.overlayd.it;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;

/**
 * One test host: a network namespace with its end of the underlay veth, and the overlay daemon
 * (overlayd or wireguard-go) that runs in it. Everything it starts dies with {@link #close()}.
 */
final class Host implements AutoCloseable {
    static final Path OVERLAYD = Path.of(System.getProperty("overlayd.home", "..")).toAbsolutePath().normalize()
            .resolve("bin/overlayd");

    final String netns;
    final String underlayIp;
    final String overlayIp;
    final String iface;
    final Path dir;
    private final List<Process> processes = new ArrayList<>();
    String privateKey;
    String publicKey;

    Host(String netns, String underlayIp, String overlayIp, String iface, Path dir) throws Exception {
        this.netns = netns;
        this.underlayIp = underlayIp;
        this.overlayIp = overlayIp;
        this.iface = iface;
        this.dir = dir;
        privateKey = Sh.ok("wg", "genkey").strip();
        Path keyFile = keyFile();
        Files.writeString(keyFile, privateKey + "\n");
        publicKey = Sh.ok("sh", "-c", "wg pubkey < " + keyFile).strip();
    }

    Path keyFile() throws IOException {
        Path file = dir.resolve(iface + ".key");
        if (!Files.exists(file)) {
            Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        }
        return file;
    }

    List<String> inside(String... command) {
        List<String> full = new ArrayList<>(List.of("ip", "netns", "exec", netns));
        full.addAll(List.of(command));
        return full;
    }

    String exec(String... command) throws IOException, InterruptedException {
        return Sh.ok(inside(command).toArray(String[]::new));
    }

    Sh.Run tryExec(long timeoutSeconds, String... command) throws IOException, InterruptedException {
        return Sh.run(inside(command), timeoutSeconds);
    }

    /** bin/overlayd IFNAME, returning once its UAPI socket exists, as wg-quick expects of wireguard-go. */
    void startOverlayd() throws Exception {
        Sh.Run r = Sh.run(List.of("ip", "netns", "exec", netns, "env", "OVERLAYD_LOG=" + dir.resolve(iface + ".log"),
                OVERLAYD.toString(), iface), 60);
        if (r.status() != 0) {
            throw new IOException("bin/overlayd " + iface + " failed: " + r.output() + "\n" + log());
        }
    }

    void startWireguardGo() throws Exception {
        processes.add(new ProcessBuilder(inside("wireguard-go", "-f", iface)).redirectErrorStream(true)
                .redirectOutput(dir.resolve(iface + ".log").toFile()).start());
        Path socket = Path.of("/var/run/wireguard", iface + ".sock");
        for (int i = 0; i < 100 && !Files.exists(socket); i++) {
            Thread.sleep(50);
        }
        if (!Files.exists(socket)) {
            throw new IOException("wireguard-go made no socket: " + log());
        }
    }

    /** Configures the interface with the stock tools, as an operator would: wg set, then ip. */
    void peerWith(Host other, boolean withEndpoint) throws Exception {
        List<String> wg = new ArrayList<>(List.of("wg", "set", iface, "private-key", keyFile().toString(),
                "listen-port", "51820", "peer", other.publicKey, "allowed-ips", other.overlayIp + "/32"));
        if (withEndpoint) {
            wg.addAll(List.of("endpoint", other.underlayIp + ":51820"));
        }
        exec(wg.toArray(String[]::new));
        exec("ip", "addr", "add", overlayIp + "/24", "dev", iface);
        exec("ip", "link", "set", iface, "up");
    }

    String log() {
        try {
            return Files.readString(dir.resolve(iface + ".log"));
        } catch (IOException e) {
            return "(no log)";
        }
    }

    @Override
    public void close() throws Exception {
        for (Process p : processes) {
            p.destroy();
            p.waitFor();
        }
        // overlayd was backgrounded by its launcher: whatever still runs in the namespace goes.
        for (String pid : Sh.run(List.of("ip", "netns", "pids", netns), 10).output().split("\\s+")) {
            if (!pid.isBlank()) {
                Sh.run(List.of("kill", pid.strip()), 10);
            }
        }
        for (int i = 0; i < 50 && !Sh.run(List.of("ip", "netns", "pids", netns), 10).output().isBlank(); i++) {
            Thread.sleep(100);
        }
        Files.deleteIfExists(Path.of("/var/run/wireguard", iface + ".sock"));
    }
}
