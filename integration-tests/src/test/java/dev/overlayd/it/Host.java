package dev.overlayd.it;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import com.fasterxml.jackson.databind.JsonNode;
import dev.overlayd.testing.Commands;
import com.fasterxml.jackson.databind.ObjectMapper;

/**
 * One test host: a network namespace with its end of the underlay veth, and the overlay daemon
 * (overlayd or wireguard-go) that runs in it. Everything it starts dies with {@link #close()}.
 */
final class Host implements AutoCloseable {
    static final Path OVERLAYD = Path.of(System.getProperty("overlayd.home", "..")).toAbsolutePath().normalize()
            .resolve("bin/overlayd");
    static final Path OVERLAYCTL = OVERLAYD.resolveSibling("overlayctl");
    /** How long a daemon may take to stop: far more than it needs, so that only a hang fails. */
    static final Duration EXIT_BOUND = Duration.ofSeconds(30);

    final String netns;
    /** Changes when a test moves the host to another underlay address (roaming). */
    String underlayIp;
    final String overlayIp;
    final String iface;
    final Path dir;
    /** The UDP port the host's daemon is configured to listen on, and that its peers call it at. */
    int listenPort = 51820;
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

    /** Whether the overlay is IPv6 (fd00::/8 inside the test's namespaces), not 100.64.0.0/10. */
    boolean ipv6() {
        return overlayIp.contains(":");
    }

    /** The interface's address with the overlay's prefix length (a /24 or a /64), as `ip addr add` takes it. */
    String overlayAddress() {
        return overlayIp + (ipv6() ? "/64" : "/24");
    }

    /** The host's overlay address alone: what its peers allow from it. */
    String overlayHostPrefix() {
        return overlayIp + (ipv6() ? "/128" : "/32");
    }

    /** Where its peers call it: address and port, the address bracketed when it is IPv6. */
    String endpoint() {
        return (underlayIp.contains(":") ? "[" + underlayIp + "]" : underlayIp) + ":" + listenPort;
    }

    /** Where `wg` finds the interface's userspace daemon. */
    Path socket() {
        return Path.of("/var/run/wireguard", iface + ".sock");
    }

    Path logFile() {
        return dir.resolve(iface + ".log");
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

    /**
     * bin/overlayd IFNAME, returning once its UAPI socket exists, as wg-quick expects of wireguard-go.
     * {@code environment} holds extra NAME=VALUE settings for the daemon.
     */
    void startOverlayd(String... environment) throws Exception {
        List<String> command = inside("env", "OVERLAYD_LOG=" + logFile());
        command.addAll(List.of(environment));
        command.addAll(List.of(OVERLAYD.toString(), iface));
        Sh.Run r = Sh.run(command, 60);
        if (r.status() != 0) {
            throw new IOException("bin/overlayd " + iface + " failed: " + r.output() + "\n" + log());
        }
    }

    /** `bin/overlayd --config FILE`: the interface made, configured, addressed, routed and up from a wg-quick file. */
    void startFromConfig(Path config) throws Exception {
        Sh.Run r = Sh.run(inside("env", "OVERLAYD_LOG=" + logFile(), OVERLAYD.toString(), "--config", config.toString()), 60);
        if (r.status() != 0) {
            throw new IOException("bin/overlayd --config " + config + " failed: " + r.output() + "\n" + log());
        }
    }

    void startWireguardGo() throws Exception {
        processes.add(new ProcessBuilder(inside("wireguard-go", "-f", iface)).redirectErrorStream(true)
                .redirectOutput(logFile().toFile()).start());
        Await.until("wireguard-go to make " + socket(), Duration.ofSeconds(10), () -> Files.exists(socket()), this::log);
    }

    /** Configures the interface with the stock tools, as an operator would: wg set, then ip. */
    void peerWith(Host other, boolean withEndpoint) throws Exception {
        List<String> wg = new ArrayList<>(List.of("wg", "set", iface, "private-key", keyFile().toString(),
                "listen-port", Integer.toString(listenPort), "peer", other.publicKey, "allowed-ips", other.overlayHostPrefix()));
        if (withEndpoint) {
            wg.addAll(List.of("endpoint", other.endpoint()));
        }
        exec(wg.toArray(String[]::new));
        exec("ip", "addr", "add", overlayAddress(), "dev", iface);
        exec("ip", "link", "set", iface, "up");
    }

    /** The same configuration as {@link #peerWith} as a wg-quick file, IFNAME.conf, readable by root only. */
    Path writeWgQuickConfig(Host other, boolean withEndpoint) throws IOException {
        return writeWgQuickConfig(peerSection(other, withEndpoint, other.overlayHostPrefix()));
    }

    /** IFNAME.conf, readable by root only: this host's [Interface] section, then the given [Peer] sections. */
    Path writeWgQuickConfig(String... peerSections) throws IOException {
        Path file = dir.resolve(iface + ".conf");
        Files.deleteIfExists(file);
        Files.createFile(file, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        Files.writeString(file, "[Interface]\n"
                + "Address = " + overlayAddress() + "\n"
                + "PrivateKey = " + privateKey + "\n"
                + "ListenPort = " + listenPort + "\n"
                + String.join("", peerSections));
        return file;
    }

    /** A wg-quick [Peer] section for {@code other} with the given AllowedIPs (comma-separated). */
    static String peerSection(Host other, boolean withEndpoint, String allowedIps) {
        return "\n[Peer]\n"
                + "PublicKey = " + other.publicKey + "\n"
                + "AllowedIPs = " + allowedIps + "\n"
                + (withEndpoint ? "Endpoint = " + other.endpoint() + "\n" : "");
    }

    /** `wg-quick ACTION CONFIG` in this namespace, with {@code implementation} as its userspace daemon. */
    Sh.Run wgQuick(String action, Path config, String implementation) throws IOException, InterruptedException {
        return Sh.run(inside("env", "WG_QUICK_USERSPACE_IMPLEMENTATION=" + implementation, "OVERLAYD_LOG=" + logFile(),
                "wg-quick", action, config.toString()), 60);
    }

    /** One column of `wg show IFNAME FIELD` (endpoints, latest-handshakes...) for the given peer. */
    String wgShow(String field, Host peer) throws Exception {
        for (String line : exec("wg", "show", iface, field).split("\n")) {
            String[] columns = line.split("\t");
            if (columns.length == 2 && columns[0].equals(peer.publicKey)) {
                return columns[1].strip();
            }
        }
        throw new AssertionError("`wg show " + iface + " " + field + "` has no line for " + peer.iface);
    }

    /** `overlayctl peers IFNAME --json` for this host's overlayd: its interface's element. */
    JsonNode overlaydStatus() throws Exception {
        Sh.Run r = Sh.run(List.of(OVERLAYCTL.toString(), "peers", iface, "--json"), 30);
        assertEquals(0, r.status(), r.output());
        JsonNode all = new ObjectMapper().readTree(r.output());
        assertEquals(1, all.size(), r.output());
        assertEquals(iface, all.get(0).get("name").asText());
        return all.get(0);
    }

    /** Sets the interface's MTU as an operator or wg-quick would, at run time. */
    void setMtu(int mtu) throws IOException, InterruptedException {
        exec("ip", "link", "set", "dev", iface, "mtu", Integer.toString(mtu));
    }

    /** The interface's MTU as the kernel has it now. */
    int mtu() throws IOException, InterruptedException {
        String[] words = exec("ip", "-o", "link", "show", "dev", iface).split("\\s+");
        for (int i = 0; i + 1 < words.length; i++) {
            if (words[i].equals("mtu")) {
                return Integer.parseInt(words[i + 1]);
            }
        }
        throw new AssertionError("`ip link show " + iface + "` names no MTU");
    }

    boolean hasLink() throws IOException, InterruptedException {
        return tryExec(10, "ip", "link", "show", "dev", iface).status() == 0;
    }

    /** The overlayd JVM running in this namespace: bin/overlayd put it in the background, so it is found by its main class. */
    long overlaydPid() throws Exception {
        List<Long> found = new ArrayList<>();
        for (String pid : Sh.ok("ip", "netns", "pids", netns).split("\\s+")) {
            if (!pid.isBlank() && isRunning(Long.parseLong(pid))) {
                try {
                    if (Files.readString(Path.of("/proc", pid, "cmdline")).contains("dev.overlayd.cli.Overlayd")) {
                        found.add(Long.parseLong(pid));
                    }
                } catch (IOException exited) {
                    // gone between the listing and the read: not a candidate
                }
            }
        }
        if (found.size() != 1) {
            throw new AssertionError("expected one overlayd in " + netns + ", found " + found + "\n" + log());
        }
        return found.getFirst();
    }

    /** SIGTERM to this host's overlayd, as an init system stops it; returns once it has exited. */
    void stopOverlayd() throws Exception {
        long pid = overlaydPid();
        Sh.ok("kill", "-TERM", Long.toString(pid));
        awaitExit(pid);
    }

    void awaitExit(long pid) throws Exception {
        Await.until("overlayd (pid " + pid + ") to exit", EXIT_BOUND, () -> !isRunning(pid), this::log);
    }

    /** Whether the process exists and has not exited: a zombie waiting for its parent counts as exited. */
    static boolean isRunning(long pid) {
        try {
            String stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            return stat.charAt(stat.lastIndexOf(')') + 2) != 'Z';
        } catch (IOException gone) {
            return false;
        }
    }

    String log() {
        try {
            return Files.readString(logFile());
        } catch (IOException e) {
            return "(no log)";
        }
    }

    @Override
    public void close() throws Exception {
        for (Process p : processes) {
            Commands.stop(p, EXIT_BOUND);
        }
        // overlayd was backgrounded by its launcher: whatever still runs in the namespace goes.
        for (String signal : List.of("-TERM", "-KILL")) {
            for (String pid : Sh.run(List.of("ip", "netns", "pids", netns), 10).output().split("\\s+")) {
                if (!pid.isBlank()) {
                    Sh.run(List.of("kill", signal, pid.strip()), 10);
                }
            }
            for (int i = 0; i < 50 && !Sh.run(List.of("ip", "netns", "pids", netns), 10).output().isBlank(); i++) {
                Thread.sleep(100);
            }
        }
        Files.deleteIfExists(socket());
        // A daemon that had to be killed left its control socket too.
        Files.deleteIfExists(Path.of("/var/run/overlayd", iface + ".sock"));
    }
}
