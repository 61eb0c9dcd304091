package dev.overlayd.containers.driver;

import static org.junit.jupiter.api.Assertions.fail;

import dev.overlayd.peers.IpPrefix;
import dev.overlayd.testing.DockerHost;
import dev.overlayd.testing.Netns;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;

/**
 * A test node for the network driver: a namespace whose stand-in overlay interface ovt1 holds the
 * node's address, a dockerd in it, and the driver as a process of its own in the same namespaces,
 * as overlayd runs it. Closed, it goes in the order dockerd needs: dockerd while the driver still
 * answers its Leave calls, then the driver, then the namespace.
 */
public final class DockerNode implements AutoCloseable {
    public static final String ADDRESS = "100.64.1.1";
    public static final IpPrefix SUBNET = IpPrefix.parse("100.64.1.0/24");
    public static final IpPrefix OVERLAY = IpPrefix.parse("100.64.0.0/16");
    public static final String INTERFACE = "ovt1";
    public static final int MTU = 1400;

    private final Path dir;
    private final Netns netns;
    private DockerHost docker;
    private Process driver;

    private DockerNode(Path dir, Netns netns) {
        this.dir = dir;
        this.netns = netns;
    }

    /** The node with its driver running; {@code bridge} is dockerd's own bridge address. */
    public static DockerNode start(String prefix, Path dir, String bridge) throws IOException {
        DockerNode node = new DockerNode(dir, Netns.create(prefix));
        try {
            // A veth whose far end stays unused: the machine's kernel has no dummy links.
            node.netns.ip("link", "add", INTERFACE, "type", "veth", "peer", "name", INTERFACE + "peer");
            node.netns.ip("address", "add", ADDRESS + "/" + OVERLAY.bits(), "dev", INTERFACE);
            node.netns.ip("link", "set", INTERFACE, "up");
            node.netns.ip("link", "set", INTERFACE + "peer", "up");
            node.docker = DockerHost.start(node.netns.name(), node.netns.name(), dir.resolve("docker"), bridge);
            node.startDriver();
            return node;
        } catch (Throwable t) {
            try {
                node.close();
            } catch (Throwable suppressed) {
                t.addSuppressed(suppressed);
            }
            throw t;
        }
    }

    public Netns netns() {
        return netns;
    }

    public DockerHost docker() {
        return docker;
    }

    /** Where the driver keeps its endpoints across restarts. */
    public Path stateDirectory() {
        return dir.resolve("state");
    }

    /** Returns once the driver serves on dockerd's plugin socket. */
    public void startDriver() throws IOException {
        Path log = dir.resolve("driver.log");
        driver = new ProcessBuilder(docker.inside(DriverProcess.command(stateDirectory().toString(), ADDRESS,
                SUBNET.toString(), OVERLAY.toString(), INTERFACE, Integer.toString(MTU)).toArray(String[]::new)))
                .redirectError(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
        String line = new BufferedReader(new InputStreamReader(driver.getInputStream(), StandardCharsets.UTF_8)).readLine();
        if (!"ready".equals(line)) {
            fail("the driver did not start: " + line + "\n" + Files.readString(log));
        }
    }

    /** As a crash would: no close, the socket file stays behind. */
    public void killDriver() throws IOException {
        driver.destroyForcibly();
        waitFor(driver);
        driver = null;
    }

    private void stopDriver() throws IOException {
        if (driver != null) {
            driver.getOutputStream().close();
            try {
                if (!driver.waitFor(30, TimeUnit.SECONDS)) {
                    driver.destroyForcibly();
                    waitFor(driver);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException(e);
            }
            driver = null;
        }
    }

    private static void waitFor(Process process) throws IOException {
        try {
            process.waitFor();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IOException(e);
        }
    }

    @Override
    public void close() throws IOException {
        try {
            if (docker != null) {
                // While the driver still runs, so dockerd's Leave calls are answered.
                docker.close();
            }
        } finally {
            try {
                stopDriver();
            } finally {
                netns.close();
            }
        }
    }
}
