package dev.overlayd.containers.driver;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import dev.overlayd.peers.IpPrefix;
import dev.overlayd.testing.DockerHost;
import dev.overlayd.testing.Netns;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The driver under a real dockerd (Debian's docker.io), in a test host's namespaces: the node's
 * overlay interface is a stand-in link holding its address, the driver runs as a process of its own
 * as overlayd would, and containers are connected as the attach agent does it, between create and
 * start.
 */
class DockerDriverTest {
    @TempDir
    Path dir;
    private DockerNode node;
    private Netns netns;
    private DockerHost docker;

    @BeforeEach
    void startHost() throws IOException {
        node = DockerNode.start("ovdd-", dir, "198.19.1.1/24");
        netns = node.netns();
        docker = node.docker();
    }

    @AfterEach
    void stopHost() throws IOException {
        if (node != null) {
            node.close();
        }
    }

    /** Created, connected to the overlay, then started: the agent's order, so eth1 is there before the process. */
    private void container(String name) throws IOException {
        docker.docker("create", "--init", "--name", name, DockerHost.IMAGE, "sleep", "600");
        docker.docker("network", "connect", "overlay", name);
        docker.docker("start", name);
    }

    private String address(String name) throws IOException {
        return docker.docker("inspect", "-f", "{{(index .NetworkSettings.Networks \"overlay\").IPAddress}}", name).strip();
    }

    private boolean pings(String name, String address) throws IOException {
        return docker.tryDocker("exec", name, "ping", "-c", "1", "-W", "2", address).status() == 0;
    }

    private List<String> containerVeths() throws IOException {
        return netns.ip("-o", "link", "show").lines().map(l -> l.split(":\\s+")[1].split("@")[0])
                .filter(n -> n.startsWith("ovc")).toList();
    }

    /** Default route on eth0 (Docker's bridge); on eth1 only the overlay's range. */
    private void assertOverlayRoutesOnly(String name) throws IOException {
        List<String> routes = docker.docker("exec", name, "ip", "route").lines().map(String::strip).toList();
        List<String> defaults = routes.stream().filter(r -> r.startsWith("default")).toList();
        assertEquals(List.of("default via 198.19.1.1 dev eth0"), defaults, String.join("\n", routes));
        assertTrue(routes.contains("100.64.0.0/16 via 100.64.1.1 dev eth1"), String.join("\n", routes));
        for (String route : routes) {
            if (route.contains("dev eth1")) {
                assertTrue(DockerNode.OVERLAY.covers(IpPrefix.parse(route.split("\\s+")[0])), "outside the overlay: " + route);
            }
        }
    }

    @Test
    void containersGetTheOverlayOnEth1AndKeepItAcrossRestarts() throws IOException {
        docker.docker("network", "create", "-d", Driver.NAME, "--subnet", "100.64.1.0/24", "--gateway", "100.64.1.1", "overlay");
        container("c1");
        container("c2");
        assertOverlayRoutesOnly("c1");
        String c1 = address("c1");
        assertTrue(IpPrefix.parse("100.64.1.0/24").contains(java.net.InetAddress.ofLiteral(c1).getAddress()), c1);
        assertTrue(netns.ip("route", "show", c1 + "/32").contains("dev ovc"), "the node routes the container's address to its veth");
        assertTrue(docker.docker("exec", "c1", "ip", "link", "show", "eth1").contains("mtu 1400"));
        assertTrue(pings("c1", "100.64.1.1"), "a container reaches its node");
        assertTrue(pings("c2", c1), "and a container on the same node");
        assertEquals(2, containerVeths().size());

        docker.docker("restart", "-t", "0", "c1");
        assertOverlayRoutesOnly("c1");
        assertTrue(pings("c1", "100.64.1.1"));
        assertTrue(pings("c2", address("c1")));
        assertEquals(2, containerVeths().size(), "the old endpoint's veth went with its Leave: " + containerVeths());

        // overlayd killed and started again while the containers run.
        node.killDriver();
        assertTrue(pings("c1", "100.64.1.1"), "the kernel keeps carrying traffic without the driver");
        node.startDriver();
        assertEquals(2, containerVeths().size(), "the restarted driver adopted the veths it had: " + containerVeths());
        assertTrue(pings("c2", address("c1")));
        docker.docker("stop", "-t", "0", "c1");
        assertEquals(1, containerVeths().size(), "the reloaded endpoint's Leave removed its veth: " + containerVeths());
        docker.docker("start", "c1");
        assertOverlayRoutesOnly("c1");
        assertTrue(pings("c2", address("c1")));
        assertNotNull(docker.docker("network", "disconnect", "overlay", "c2"));
        assertEquals(1, containerVeths().size());
    }

    @Test
    void dockerdRestartedWhileTheDriverWasDownStartsItsContainersOnTheOverlayAgain() throws IOException {
        docker.docker("network", "create", "-d", Driver.NAME, "--subnet", "100.64.1.0/24", "--gateway", "100.64.1.1", "overlay");
        container("c1");
        node.killDriver();
        // Its Leave calls go unanswered: the endpoint stays in the driver's saved state.
        docker.stopDaemon();
        node.startDriver();
        docker.startDaemon();
        assertEquals(List.of(), containerVeths());
        docker.docker("start", "c1");
        assertOverlayRoutesOnly("c1");
        assertTrue(pings("c1", "100.64.1.1"));
        assertEquals(1, containerVeths().size());
        String saved = Files.readString(node.stateDirectory().resolve(DriverState.FILE_NAME));
        assertEquals(1, saved.split("\"hostEnd\"", -1).length - 1, "only the new endpoint is kept: " + saved);
    }

    @Test
    void aNetworkOnAnotherSubnetIsRefusedInWords() throws IOException {
        DockerHost.Result refused = docker.tryDocker("network", "create", "-d", Driver.NAME, "--subnet", "100.64.9.0/24",
                "--gateway", "100.64.9.1", "elsewhere");
        assertTrue(refused.status() != 0 && refused.output().contains("--subnet 100.64.1.0/24 --gateway 100.64.1.1"),
                refused.output());
    }
}
