package dev.overlayd.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real dockerd (Debian's docker.io) as one test host: it runs in the host's network namespace and
 * in a mount namespace of its own, where {@code /run/docker/plugins} is this host's directory, so
 * that each host's dockerd finds its own host's overlayd as its network plugin (dockerd looks for
 * plugins in that one fixed place, whatever its other paths). Processes that must see the same
 * plugin directory as this dockerd (overlayd) are started through {@link #inside}. Containers run
 * from {@link #IMAGE}, a busybox image made locally (no registry is reachable).
 * {@link #close()} removes the containers and non-default networks (while the host's plugin still
 * runs, so that dockerd need not time out on it), stops dockerd and releases the mount namespace.
 */
public final class DockerHost implements AutoCloseable {
    public static final String IMAGE = "local/busybox";
    private static final Path DOCKER = Path.of("/usr/bin/docker");
    private static final Path DOCKERD = Path.of("/usr/sbin/dockerd");
    /** Where the persistent mount namespaces are: a private bind mount, as `unshare --mount=FILE` requires. */
    private static final Path MOUNTS = Path.of("/run/overlayd-test-mnt");
    /** dockerd's exec root holds containerd's sockets, whose paths must stay short (108 bytes). */
    private static final Path EXEC_ROOTS = Path.of("/run/overlayd-test-docker");

    private final String name;
    private final String netns;
    private final Path dir;
    private final String bridge;
    private final Path mountNamespace;
    private final Path execRoot;
    private Process daemon;
    private String authorizationPlugin;
    /** What {@link #alone} made for the host, removed with it. */
    private Netns ownNamespace;
    private Path ownDirectory;

    private DockerHost(String name, String netns, Path dir, String bridge) {
        this.name = name;
        this.netns = netns;
        this.dir = dir;
        this.bridge = bridge;
        this.mountNamespace = MOUNTS.resolve(name);
        this.execRoot = EXEC_ROOTS.resolve(name);
    }

    /**
     * Starts dockerd for the test host in network namespace {@code netns}, keeping its files in
     * {@code dir}, with Docker's own bridge on {@code bridge} (e.g. 198.19.1.1/24: inside the test
     * ranges, and different per host), and imports {@link #IMAGE}. {@code name} is unique among
     * the hosts running at once.
     */
    /**
     * A host of its own: a new network namespace named after {@code prefix}, a temporary directory
     * and dockerd in them (see {@link #start}); closing the host removes both.
     */
    public static DockerHost alone(String prefix, String bridge) throws IOException {
        Path dir = Files.createTempDirectory(prefix + "-docker");
        Netns netns;
        try {
            netns = Netns.create(prefix);
        } catch (IOException | RuntimeException e) {
            Netns.run("rm", "-rf", dir.toString());
            throw e;
        }
        DockerHost host;
        try {
            host = start(prefix, netns.name(), dir, bridge);
        } catch (IOException | RuntimeException e) {
            netns.close();
            Netns.run("rm", "-rf", dir.toString());
            throw e;
        }
        host.ownNamespace = netns;
        host.ownDirectory = dir;
        return host;
    }

    public static DockerHost start(String name, String netns, Path dir, String bridge) throws IOException {
        DockerHost host = new DockerHost(name, netns, dir, bridge);
        try {
            host.createMountNamespace();
            host.startDaemon();
            host.importImage();
        } catch (IOException | RuntimeException e) {
            try {
                host.close();
            } catch (IOException suppressed) {
                e.addSuppressed(suppressed);
            }
            throw e;
        }
        return host;
    }

    public String name() {
        return name;
    }

    /** The Engine API's socket, for a client (overlayd's agent) to be pointed at. */
    public Path socket() {
        return dir.resolve("docker.sock");
    }

    /** This host's plugin directory, which its dockerd and {@link #inside} processes see as /run/docker/plugins. */
    public Path pluginDirectory() {
        return dir.resolve("plugins");
    }

    /** {@code command} prefixed to run in this host's network and mount namespaces. */
    public List<String> inside(String... command) {
        List<String> full = new ArrayList<>(List.of("nsenter", "--mount=" + mountNamespace, "--net=/run/netns/" + netns));
        full.addAll(List.of(command));
        return full;
    }

    /** Runs the docker CLI against this host's daemon; fails with its output when it exits non-zero. */
    public String docker(String... args) throws IOException {
        Result r = tryDocker(args);
        if (r.status() != 0) {
            throw new IOException("docker " + String.join(" ", args) + " exited " + r.status() + ": " + r.output().strip());
        }
        return r.output();
    }

    public record Result(int status, String output) {}

    /** Runs the docker CLI against this host's daemon, whatever its exit status; at most 120 s. */
    public Result tryDocker(String... args) throws IOException {
        List<String> command = new ArrayList<>(List.of(DOCKER.toString(), "-H", "unix://" + socket()));
        command.addAll(List.of(args));
        return run(command, 120);
    }

    /** dockerd's log, for a failing test's message. */
    public String log() {
        try {
            Path log = dir.resolve("dockerd.log");
            return Files.exists(log) ? Files.readString(log) : "(no dockerd log)";
        } catch (IOException e) {
            return "(unreadable dockerd log: " + e.getMessage() + ")";
        }
    }

    /** Starts dockerd (again, after {@link #stopDaemon}) and waits until it answers. */
    public void startDaemon() throws IOException {
        Files.createDirectories(dir.resolve("root"));
        Files.createDirectories(execRoot);
        Path config = dir.resolve("daemon.json");
        writeConfig();
        List<String> command = inside(DOCKERD.toString(),
                "--data-root", dir.resolve("root").toString(), "--exec-root", execRoot.toString(),
                "--pidfile", dir.resolve("docker.pid").toString(), "-H", "unix://" + socket(),
                "--config-file", config.toString(), "--storage-driver", "vfs", "--bip", bridge,
                // Docker leaves the machine's FORWARD policy and br_netfilter alone, and runs no proxies.
                "--iptables=false", "--ip-masq=false", "--userland-proxy=false");
        daemon = new ProcessBuilder(command).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("dockerd.log").toFile())).start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (tryDocker("version", "--format", "{{.Server.APIVersion}}").status() != 0) {
            if (!daemon.isAlive() || System.nanoTime() > deadline) {
                throw new IOException("dockerd of " + name + " did not start: " + log());
            }
            sleep(100);
        }
    }

    /**
     * Makes the running dockerd (and every later start of it) ask authorization plugin
     * {@code plugin}, which must answer in {@link #pluginDirectory} (waited for): dockerd checks
     * it when it loads the setting and dies if it cannot reach it. daemon.json gets
     * "authorization-plugins", which dockerd reloads on SIGHUP; returns once a request has gone
     * through the reloaded daemon with the plugin in place.
     */
    public void enableAuthorization(String plugin) throws IOException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        // A legacy plugin is found by its socket's name in the plugin directory.
        while (!Files.exists(pluginDirectory().resolve(plugin + ".sock"))) {
            if (System.nanoTime() > deadline) {
                throw new IOException("no plugin " + plugin + " in " + pluginDirectory() + " to authorize dockerd's requests");
            }
            sleep(100);
        }
        authorizationPlugin = plugin;
        writeConfig();
        long reloads = reloads();
        ok(List.of("kill", "-HUP", Long.toString(daemon.pid())));
        // dockerd 20.10 takes the plugins on, then logs the reload (docker info does not show them
        // until a restart); a request that passes after that line has gone through the plugin.
        while (reloads() == reloads || tryDocker("version", "--format", "{{.Server.APIVersion}}").status() != 0) {
            if (!daemon.isAlive() || System.nanoTime() > deadline) {
                throw new IOException("dockerd of " + name + " did not take authorization plugin " + plugin + ": " + log());
            }
            sleep(100);
        }
    }

    private long reloads() {
        return log().lines().filter(l -> l.contains("Reloaded configuration")).count();
    }

    private void writeConfig() throws IOException {
        // Without a key path of its own, every daemon would read /etc/docker/key.json and share one engine ID.
        String config = "{\"deprecated-key-path\": \"" + dir.resolve("key.json") + "\""
                + (authorizationPlugin == null ? "" : ", \"authorization-plugins\": [\"" + authorizationPlugin + "\"]") + "}\n";
        Files.writeString(dir.resolve("daemon.json"), config);
    }

    /** Stops dockerd (SIGTERM, then SIGKILL after 30 s); its containerd stops with it. */
    public void stopDaemon() throws IOException {
        if (daemon == null) {
            return;
        }
        // nsenter execs dockerd: the process is dockerd itself.
        Commands.stop(daemon, Duration.ofSeconds(30));
        daemon = null;
    }

    /**
     * Kills dockerd outright, as a crash would, and the containerd it started: left running, that
     * containerd no longer answered (the next dockerd timed out on its socket and did not start).
     * The containers' shims outlive both, as they outlive a restart of containerd.
     */
    public void killDaemon() throws IOException {
        if (daemon != null) {
            Path containerdPid = execRoot.resolve("containerd/containerd.pid");
            String containerd = Files.exists(containerdPid) ? Files.readString(containerdPid).strip() : "";
            Commands.kill(daemon);
            if (!containerd.isEmpty()) {
                run(List.of("kill", "-KILL", containerd), 10);
                long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
                while (Files.exists(Path.of("/proc", containerd)) && System.nanoTime() < deadline) {
                    sleep(100);
                }
            }
            daemon = null;
        }
    }

    /** Every container removed, then every network but Docker's own three. */
    public void removeContainersAndNetworks() throws IOException {
        String containers = docker("ps", "-aq").strip();
        if (!containers.isEmpty()) {
            List<String> rm = new ArrayList<>(List.of("rm", "-f"));
            rm.addAll(List.of(containers.split("\\s+")));
            docker(rm.toArray(String[]::new));
        }
        for (String network : docker("network", "ls", "--format", "{{.Name}}").strip().split("\\s+")) {
            if (!network.isBlank() && !List.of("bridge", "host", "none").contains(network)) {
                docker("network", "rm", network);
            }
        }
    }

    private void createMountNamespace() throws IOException {
        Files.createDirectories(MOUNTS);
        if (run(List.of("mountpoint", "-q", MOUNTS.toString()), 10).status() != 0) {
            ok(List.of("mount", "--bind", MOUNTS.toString(), MOUNTS.toString()));
            ok(List.of("mount", "--make-private", MOUNTS.toString()));
        }
        Files.createDirectories(pluginDirectory());
        Files.deleteIfExists(mountNamespace);
        Files.createFile(mountNamespace);
        ok(List.of("unshare", "--mount=" + mountNamespace, "--propagation", "private", "true"));
        ok(List.of("nsenter", "--mount=" + mountNamespace, "sh", "-c",
                "mkdir -p /run/docker/plugins && mount --bind \"$0\" /run/docker/plugins", pluginDirectory().toString()));
    }

    private void importImage() throws IOException {
        Path rootfs = dir.resolve("rootfs");
        Files.createDirectories(rootfs.resolve("bin"));
        Files.copy(Path.of("/bin/busybox"), rootfs.resolve("bin/busybox"), java.nio.file.StandardCopyOption.REPLACE_EXISTING);
        for (String applet : ok(List.of("/bin/busybox", "--list")).split("\\s+")) {
            Path link = rootfs.resolve("bin").resolve(applet);
            if (!applet.isBlank() && !applet.equals("busybox") && !Files.exists(link, java.nio.file.LinkOption.NOFOLLOW_LINKS)) {
                Files.createSymbolicLink(link, Path.of("busybox"));
            }
        }
        ok(List.of("sh", "-c", "tar -C \"$0\" -c . | \"$1\" -H \"unix://$2\" import --change 'CMD [\"/bin/sh\"]' - \"$3\"",
                rootfs.toString(), DOCKER.toString(), socket().toString(), IMAGE));
    }

    /** Removes what the host made, in the order that keeps dockerd from waiting on a plugin that is gone. */
    @Override
    public void close() throws IOException {
        IOException failure = null;
        if (daemon != null) {
            try {
                removeContainersAndNetworks();
            } catch (IOException e) {
                failure = e;
            }
        }
        try {
            stopDaemon();
        } catch (IOException e) {
            failure = failure == null ? e : failure;
        }
        run(List.of("umount", mountNamespace.toString()), 10);
        Files.deleteIfExists(mountNamespace);
        try (var left = Files.list(MOUNTS)) {
            if (left.findAny().isEmpty()) {
                // Lazily: the namespace just released may still be pinned for a moment by its last process.
                run(List.of("umount", "--lazy", MOUNTS.toString()), 10);
            }
        } catch (IOException e) {
            // Another host still runs; the last one to close unmounts.
        }
        run(List.of("rm", "-rf", execRoot.toString()), 30);
        if (ownNamespace != null) {
            ownNamespace.close();
            Netns.run("rm", "-rf", ownDirectory.toString());
        }
        if (failure != null) {
            throw failure;
        }
    }

    private static String ok(List<String> command) throws IOException {
        Result r = run(command, 120);
        if (r.status() != 0) {
            throw new IOException(String.join(" ", command) + " exited " + r.status() + ": " + r.output().strip());
        }
        return r.output();
    }

    private static Result run(List<String> command, long timeoutSeconds) throws IOException {
        Commands.Result r = Commands.run(command, timeoutSeconds);
        if (r.status() == -1) {
            throw new IOException(r.output().strip());
        }
        return new Result(r.status(), r.output());
    }

    private static void sleep(long millis) throws IOException {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(e);
        }
    }
}
