package dev.overlayd.it;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.overlayd.testing.Commands;
import dev.overlayd.testing.EtcdPki;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Test hosts on one switch: a bridge in its own namespace, and per host a namespace with a veth on
 * it (198.18.1.N), a node certificate from one test CA, and an overlay.yaml. Daemons run in cluster
 * mode through bin/overlayd. Everything dies with {@link #close()}, also after a failure.
 */
final class Cluster implements AutoCloseable {
    static final Path OVERLAYCTL = Host.OVERLAYD.resolveSibling("overlayctl");
    /** The switch's own address, where etcd listens. */
    static final String ETCD = "198.18.1.254";

    final Path dir;
    final Path ca;
    /**
     * Random, so that the namespaces, interfaces and the sockets named after them (in /var/run,
     * shared by the whole machine) never collide with another test's or with what a failed run left.
     */
    private final String prefix = "ovt" + HexFormat.of().toHexDigits(ThreadLocalRandom.current().nextInt()).substring(0, 5);
    /** The namespace of the bridge all hosts hang on. */
    private final String switchNs = prefix + "sw";
    private final List<String> namespaces = new ArrayList<>();
    private static final Path NETNS_ETC = Path.of("/etc/netns");
    /** What {@link #resolve} created, removed last-made first. */
    private final List<Path> etcDirectories = new ArrayList<>();
    private Process etcd;
    private EtcdPki etcdPki;
    private EtcdPki.Issued etcdServer;

    Cluster(Path dir) throws Exception {
        this.dir = dir;
        this.ca = dir.resolve("ca");
        try {
            Sh.ok("ip", "netns", "add", switchNs);
            namespaces.add(switchNs);
            Sh.ok("ip", "-n", switchNs, "link", "add", "br0", "type", "bridge");
            Sh.ok("ip", "-n", switchNs, "link", "set", "br0", "up");
            Sh.ok("ip", "-n", switchNs, "link", "set", "lo", "up");
            overlayctl("ca", "init", "--dir", ca.toString(), "--name", "test", "--overlay", "100.64.0.0/16");
        } catch (Exception | Error e) {
            // Nothing a failed constructor made may outlive it: close() is never called then.
            try {
                close();
            } catch (Exception suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
    }

    /** The interface of host {@code n} (its namespace's name too): unique, as the sockets share /var/run. */
    String iface(int n) {
        return prefix + n;
    }

    /** Host {@code n}'s end of its veth to the switch, in its namespace. */
    static String uplink(int n) {
        return "ovt-u" + n;
    }

    static String underlay(int n) {
        return "198.18.1." + n;
    }

    /**
     * Host {@code n}: its namespace on the switch, its certificate, and an overlay.yaml with the
     * given membership TTL that joins through {@code seeds}.
     */
    Path addHost(int n, String ttl, int... seeds) throws Exception {
        List<String> seedList = new ArrayList<>();
        for (int s : seeds) {
            seedList.add(underlay(s) + ":51820");
        }
        return addHost(n, ttl, seedList);
    }

    /** Host {@code n} joining through {@code seeds} as written in overlay.yaml: addresses or names. */
    Path addHost(int n, String ttl, List<String> seeds) throws Exception {
        List<String> quoted = seeds.stream().map(s -> "\"" + s + "\"").toList();
        return addHost(n, "seeds: [" + String.join(", ", quoted) + "]\n", "  ttl: " + ttl + "\n");
    }

    /**
     * Makes {@code name} resolve to host {@code target}'s underlay address inside host {@code n}'s
     * namespace, through /etc/netns/NS/hosts, which `ip netns exec` mounts over /etc/hosts.
     */
    void resolve(int n, String name, int target) throws Exception {
        if (!Files.exists(NETNS_ETC)) {
            etcDirectories.add(Files.createDirectory(NETNS_ETC));
        }
        Path etc = Files.createDirectories(NETNS_ETC.resolve(iface(n)));
        etcDirectories.add(etc);
        Files.writeString(etc.resolve("hosts"), "127.0.0.1 localhost\n" + underlay(target) + " " + name + "\n");
    }

    /**
     * Host {@code n} with the etcd backend, which {@link #startEtcd()} runs on the switch: over TLS,
     * with a client certificate of its own from etcd's CA.
     */
    Path addEtcdHost(int n, String ttl) throws Exception {
        return addHost(n, "", etcdMembership(n, ttl));
    }

    /** The membership section of host {@code n} on etcd: its own client certificate from etcd's CA. */
    String etcdMembership(int n, String ttl) throws Exception {
        EtcdPki.Issued client = etcdPki().client("h" + n);
        return "  backend: etcd\n  etcd:\n    endpoints: [\"https://" + ETCD + ":2379\"]\n"
                + "    ca: " + etcdPki().ca() + "\n    certificate: " + client.certificate() + "\n    key: " + client.key()
                + "\n  ttl: " + ttl + "\n";
    }

    /** etcd's own CA, as its operator would run one apart from the overlay's. */
    private EtcdPki etcdPki() throws IOException {
        if (etcdPki == null) {
            etcdPki = new EtcdPki(dir.resolve("etcd-pki"), "etcd-ca");
        }
        return etcdPki;
    }

    private Path addHost(int n, String seeds, String membership) throws Exception {
        String ns = iface(n);
        Path home = addNamespace(n);
        overlayctl("cert", "issue", "h" + n, "--ca", ca.toString(), "--out", home.toString());
        Path yaml = home.resolve("overlay.yaml");
        Files.writeString(yaml, "interface: " + ns + "\n"
                + "ca: ../ca/ca.crt\n"
                + "certificate: h" + n + ".crt\n"
                + "key: h" + n + ".key\n"
                // In the host's directory, which the test removes, not under /var/lib.
                + "state: state\n"
                + seeds
                + "membership:\n"
                + membership);
        return yaml;
    }

    /**
     * Host {@code n} as a new instance of an auto-scaling group: an overlay.yaml with a join token
     * and its seeds, and no CA, certificate or key, which it enrols for.
     */
    Path addEnrollingHost(int n, String token, int... seeds) throws Exception {
        return addEnrollingHost(n, token, "  ttl: 10s\n", seeds);
    }

    /** The same with {@code membership} as the membership section (e.g. {@link #etcdMembership}). */
    Path addEnrollingHost(int n, String token, String membership, int... seeds) throws Exception {
        Path home = addNamespace(n);
        List<String> seedList = new ArrayList<>();
        for (int s : seeds) {
            seedList.add("\"" + underlay(s) + ":51820\"");
        }
        Path yaml = home.resolve("overlay.yaml");
        Files.writeString(yaml, "interface: " + iface(n) + "\n"
                + "token: \"" + token + "\"\n"
                + "name: h" + n + "\n"
                + "state: state\n"
                + "seeds: [" + String.join(", ", seedList) + "]\n"
                + "membership:\n" + membership);
        return yaml;
    }

    /** Host {@code n} on the switch with nothing running: e.g. a static host running stock WireGuard. */
    Path addNamespace(int n) throws Exception {
        String ns = iface(n);
        Sh.ok("ip", "netns", "add", ns);
        namespaces.add(ns);
        // Made in the namespaces, never in the machine's own, so these names cannot collide.
        Sh.ok("ip", "link", "add", uplink(n), "netns", ns, "type", "veth", "peer", "name", "p" + n, "netns", switchNs);
        Sh.ok("ip", "-n", switchNs, "link", "set", "p" + n, "master", "br0", "up");
        Sh.ok("ip", "-n", ns, "addr", "add", underlay(n) + "/24", "dev", uplink(n));
        Sh.ok("ip", "-n", ns, "link", "set", uplink(n), "up");
        Sh.ok("ip", "-n", ns, "link", "set", "lo", "up");
        return Files.createDirectories(dir.resolve(ns));
    }

    /**
     * An etcd on the switch's own address, its data kept in the test's directory across restarts,
     * serving TLS only and only to clients with a certificate from its CA.
     */
    void startEtcd() throws Exception {
        Sh.run(List.of("ip", "-n", switchNs, "addr", "replace", ETCD + "/24", "dev", "br0"), 10);
        if (etcdServer == null) {
            etcdServer = etcdPki().server(ETCD);
        }
        etcd = new ProcessBuilder("ip", "netns", "exec", switchNs, "etcd", "--name", "ovt",
                "--data-dir", dir.resolve("etcd").toString(),
                "--listen-client-urls", "https://" + ETCD + ":2379", "--advertise-client-urls", "https://" + ETCD + ":2379",
                "--cert-file", etcdServer.certificate().toString(), "--key-file", etcdServer.key().toString(),
                "--client-cert-auth", "--trusted-ca-file", etcdPki().ca().toString(),
                "--listen-peer-urls", "http://127.0.0.1:2380", "--initial-advertise-peer-urls", "http://127.0.0.1:2380",
                "--initial-cluster", "ovt=http://127.0.0.1:2380")
                .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("etcd.log").toFile()))
                .start();
        Await.until("etcd to listen", Duration.ofSeconds(30), () -> Sh.run(List.of("ip", "netns", "exec", switchNs,
                "bash", "-c", "exec 3<>/dev/tcp/" + ETCD + "/2379"), 10).status() == 0);
    }

    void killEtcd() throws Exception {
        // `ip netns exec` became etcd: the process is etcd itself.
        Commands.kill(etcd);
    }

    /** etcd's data gone (its disk lost, nothing restored): the next {@link #startEtcd} begins empty. Only while it is stopped. */
    void dropEtcdData() throws Exception {
        Sh.ok("rm", "-rf", dir.resolve("etcd").toString());
    }

    /** Whether host {@code n}'s daemon still runs: a crash would be a fault of its own. */
    boolean running(int n) throws Exception {
        return !daemons(n).isEmpty();
    }

    void start(int n) throws Exception {
        start(n, dir.resolve(iface(n)).resolve("overlay.yaml"));
    }

    void start(int n, Path yaml) throws Exception {
        start(n, yaml, List.of("ip", "netns", "exec", iface(n)));
    }

    /**
     * Starts host {@code n}'s daemon through {@code prefix}, a command that enters the host's
     * namespaces (`ip netns exec NS`, or a {@link dev.overlayd.testing.DockerHost}'s, which keeps its mounts).
     */
    void start(int n, Path yaml, List<String> prefix) throws Exception {
        Sh.Run r = tryStart(n, yaml, prefix);
        if (r.status() != 0) {
            throw new IOException("overlayd h" + n + " failed: " + r.output() + "\n" + log(n));
        }
    }

    /** Starts host {@code n}'s daemon as {@link #start(int, Path, List)} does; returns how bin/overlayd exited. */
    Sh.Run tryStart(int n, Path yaml, List<String> prefix) throws Exception {
        List<String> command = new ArrayList<>(prefix);
        command.addAll(List.of("env", "OVERLAYD_LOG=" + log(n), Host.OVERLAYD.toString(), "--config", yaml.toString()));
        return Sh.run(command, 60);
    }

    Sh.Run tryStart(int n) throws Exception {
        return tryStart(n, dir.resolve(iface(n)).resolve("overlay.yaml"), List.of("ip", "netns", "exec", iface(n)));
    }

    Path log(int n) {
        return dir.resolve(iface(n) + ".log");
    }

    String logText(int n) {
        try {
            return Files.exists(log(n)) ? Files.readString(log(n)) : "(no log)";
        } catch (IOException e) {
            return "(unreadable log: " + e.getMessage() + ")";
        }
    }

    /** Stops host {@code n}'s daemon: SIGTERM (a graceful stop) or SIGKILL (a crash). */
    void stop(int n, String signal) throws Exception {
        signal(n, signal);
        // A killed daemon leaves its sockets; a graceful one removes them itself.
        Files.deleteIfExists(Path.of("/var/run/wireguard", iface(n) + ".sock"));
        Files.deleteIfExists(Path.of("/var/run/overlayd", iface(n) + ".sock"));
    }

    /**
     * Sends {@code signal} to host {@code n}'s daemon and returns once it has exited, leaving
     * whatever it left (after a SIGKILL: its sockets, as systemd's restart of a crashed daemon finds them).
     */
    void signal(int n, String signal) throws Exception {
        for (String pid : daemons(n)) {
            Sh.run(List.of("kill", "-" + signal, pid), 10);
        }
        Await.until("h" + n + " to exit", Host.EXIT_BOUND, () -> daemons(n).isEmpty());
    }

    /** The overlayd processes in host {@code n}'s namespace, and none of the others (dockerd, a test's services). */
    List<String> daemons(int n) throws Exception {
        List<String> pids = new ArrayList<>();
        for (String pid : Sh.ok("ip", "netns", "pids", iface(n)).split("\\s+")) {
            try {
                if (!pid.isBlank() && Files.readString(Path.of("/proc", pid, "cmdline")).contains("dev.overlayd.")) {
                    pids.add(pid);
                }
            } catch (IOException gone) {
                // It exited while we looked.
            }
        }
        return pids;
    }

    /** The public keys of host {@code n}'s peers, as `wg` shows them. */
    List<String> peers(int n) throws Exception {
        String out = Sh.ok("ip", "netns", "exec", iface(n), "wg", "show", iface(n), "peers").strip();
        return out.isEmpty() ? List.of() : List.of(out.split("\n"));
    }

    /** Host {@code n}'s overlay address: the .1 of its /24, as the CA allocates them in issuing order. */
    String overlay(int n) {
        return "100.64." + (n - 1) + ".1";
    }

    /** Host {@code n}'s underlay address changes to {@code address} (a new lease): added, then the old one removed. */
    void moveUnderlay(int n, String address) throws Exception {
        // Promoted, the new address outlives the old one's removal (a secondary goes with the primary otherwise).
        exec(n, "sysctl", "-qw", "net.ipv4.conf." + uplink(n) + ".promote_secondaries=1");
        exec(n, "ip", "addr", "add", address + "/24", "dev", uplink(n));
        exec(n, "ip", "addr", "del", underlay(n) + "/24", "dev", uplink(n));
    }

    /** Member {@code name}'s endpoint in host {@code n}'s records ({@code overlayctl members --json}); "" when none. */
    String endpointOf(int n, String name) throws Exception {
        // One interface asked for: a list of one cluster's status.
        for (JsonNode m : new ObjectMapper().readTree(overlayctl("members", iface(n), "--json")).path(0).path("members")) {
            if (m.path("name").asText().equals(name)) {
                return m.path("endpoint").asText("");
            }
        }
        return "";
    }

    String exec(int n, String... command) throws Exception {
        List<String> full = new ArrayList<>(List.of("ip", "netns", "exec", iface(n)));
        full.addAll(List.of(command));
        return Sh.ok(full.toArray(String[]::new));
    }

    static String overlayctl(String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of(OVERLAYCTL.toString()));
        command.addAll(List.of(args));
        return Sh.ok(command.toArray(String[]::new));
    }

    @Override
    public void close() throws Exception {
        for (String ns : namespaces.reversed()) {
            for (String pid : Sh.run(List.of("ip", "netns", "pids", ns), 10).output().split("\\s+")) {
                if (!pid.isBlank()) {
                    Sh.run(List.of("kill", "-KILL", pid), 10);
                }
            }
            Sh.run(List.of("ip", "netns", "del", ns), 10);
            if (!ns.equals(switchNs)) {
                Files.deleteIfExists(Path.of("/var/run/wireguard", ns + ".sock"));
                Files.deleteIfExists(Path.of("/var/run/overlayd", ns + ".sock"));
            }
        }
        for (Path etc : etcDirectories.reversed()) {
            Files.deleteIfExists(etc.resolve("hosts"));
            Files.deleteIfExists(etc);
        }
    }
}
