package dev.overlayd.containers.attach;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import com.google.common.net.InetAddresses;
import dev.overlayd.containers.docker.DockerClient;
import dev.overlayd.containers.driver.Driver;
import dev.overlayd.containers.driver.DriverProcess;
import dev.overlayd.peers.IpPrefix;
import dev.overlayd.testing.DockerHost;
import dev.overlayd.testing.Netns;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The agent on overlayd's own driver, as the plugin runs them: the agent makes the network of
 * driver "overlayd" and connects containers to it; the driver (a process in the test host's
 * namespaces) gives them their routed veth.
 */
class AttachWithDriverTest {
    private static final IpPrefix SUBNET = IpPrefix.parse("100.64.1.0/24");
    private static final OverlayNetwork NETWORK =
            new OverlayNetwork("overlay", Driver.NAME, SUBNET, InetAddresses.forString("100.64.1.1"));

    @TempDir
    Path dir;
    private Netns netns;
    private DockerHost docker;
    private Process driver;
    private AttachAgent agent;

    @BeforeEach
    void start() throws IOException {
        netns = Netns.create("ovag-");
        // The overlay interface stands in as a veth whose far end stays unused (no dummy links here).
        netns.ip("link", "add", "ovt1", "type", "veth", "peer", "name", "ovt1peer");
        netns.ip("address", "add", "100.64.1.1/16", "dev", "ovt1");
        netns.ip("link", "set", "ovt1", "up");
        netns.ip("link", "set", "ovt1peer", "up");
        docker = DockerHost.start(netns.name(), netns.name(), dir.resolve("docker"), "198.19.2.1/24");
        List<String> command = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElseThrow(),
                "-cp", System.getProperty("java.class.path"), DriverProcess.class.getName(), dir.resolve("driver").toString(),
                "100.64.1.1", SUBNET.toString(), "100.64.0.0/16", "ovt1", "1400"));
        Path log = dir.resolve("driver.log");
        driver = new ProcessBuilder(docker.inside(command.toArray(String[]::new)))
                .redirectError(ProcessBuilder.Redirect.appendTo(log.toFile())).start();
        String line = new BufferedReader(new InputStreamReader(driver.getInputStream(), StandardCharsets.UTF_8)).readLine();
        if (!"ready".equals(line)) {
            fail("the driver did not start: " + line + "\n" + Files.readString(log));
        }
        agent = new AttachAgent(new DockerClient(docker.socket()), new AttachPolicy(AttachMode.ALL), NETWORK,
                new AddressAllocator(SUBNET, NETWORK.gateway(), dir.resolve("allocations.json")), Clock.systemUTC());
        agent.start();
        await(() -> agent.status().docker().startsWith("connected"), () -> "the agent connects: " + agent.status());
    }

    @AfterEach
    void stop() throws IOException {
        try {
            if (agent != null) {
                agent.close();
            }
            if (docker != null) {
                // While the driver still runs, so dockerd's Leave calls are answered.
                docker.close();
            }
        } finally {
            try {
                if (driver != null) {
                    driver.getOutputStream().close();
                    driver.waitFor(30, TimeUnit.SECONDS);
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            } finally {
                netns.close();
            }
        }
    }

    @Test
    void aContainerGetsTheOverlayBesideItsBridgeAndKeepsItsAddressThroughARestart() throws IOException {
        assertEquals("overlayd", docker.docker("network", "inspect", "-f", "{{.Driver}}", "overlay").strip());
        docker.docker("create", "--init", "--name", "web", DockerHost.IMAGE, "sleep", "600");
        await(() -> agent.status().attached().stream().anyMatch(a -> a.name().equals("web")), () -> "web attached: " + agent.status());
        String address = agent.status().attached().getFirst().address();
        docker.docker("start", "web");
        String addresses = docker.docker("exec", "web", "ip", "-4", "-o", "addr", "show", "dev", "eth1");
        assertTrue(addresses.contains("inet " + address + "/"), addresses);
        String routes = docker.docker("exec", "web", "ip", "route");
        assertTrue(routes.lines().anyMatch(r -> r.startsWith("default") && r.contains("dev eth0")), routes);
        assertTrue(routes.lines().anyMatch(r -> r.startsWith("100.64.0.0/16") && r.contains("dev eth1")), routes);
        netns.exec("ping", "-c", "1", "-W", "5", address);

        docker.docker("restart", "-t", "0", "web");
        assertTrue(docker.docker("exec", "web", "ip", "-4", "-o", "addr", "show", "dev", "eth1").contains("inet " + address + "/"));
        netns.exec("ping", "-c", "1", "-W", "5", address);
    }

    private static void await(Supplier<Boolean> condition, Supplier<String> what) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!condition.get()) {
            if (System.nanoTime() > deadline) {
                fail("never happened: " + what.get());
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                fail(e);
            }
        }
    }
}
