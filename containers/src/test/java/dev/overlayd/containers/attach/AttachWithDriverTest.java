package dev.overlayd.containers.attach;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Clock;
import com.google.common.net.InetAddresses;
import dev.overlayd.containers.Await;
import dev.overlayd.containers.docker.DockerClient;
import dev.overlayd.containers.driver.Driver;
import dev.overlayd.containers.driver.DockerNode;
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
    private static final IpPrefix SUBNET = DockerNode.SUBNET;
    private static final OverlayNetwork NETWORK =
            new OverlayNetwork("overlay", Driver.NAME, SUBNET, InetAddresses.forString(DockerNode.ADDRESS));

    @TempDir
    Path dir;
    private DockerNode node;
    private Netns netns;
    private DockerHost docker;
    private AttachAgent agent;

    @BeforeEach
    void start() throws IOException {
        node = DockerNode.start("ovag-", dir, "198.19.2.1/24");
        netns = node.netns();
        docker = node.docker();
        agent = new AttachAgent(new DockerClient(docker.socket()), new AttachPolicy(AttachMode.ALL), NETWORK,
                new AddressAllocator(SUBNET, NETWORK.gateway(), dir.resolve("allocations.json")), Clock.systemUTC());
        agent.start();
        Await.until(() -> agent.status().docker().startsWith("connected"), () -> "the agent connects: " + agent.status());
    }

    @AfterEach
    void stop() throws IOException {
        try {
            if (agent != null) {
                agent.close();
            }
        } finally {
            if (node != null) {
                node.close();
            }
        }
    }

    @Test
    void aContainerGetsTheOverlayBesideItsBridgeAndKeepsItsAddressThroughARestart() throws IOException {
        assertEquals("overlayd", docker.docker("network", "inspect", "-f", "{{.Driver}}", "overlay").strip());
        docker.docker("create", "--init", "--name", "web", DockerHost.IMAGE, "sleep", "600");
        Await.until(() -> agent.status().attached().stream().anyMatch(a -> a.name().equals("web")), () -> "web attached: " + agent.status());
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
}
