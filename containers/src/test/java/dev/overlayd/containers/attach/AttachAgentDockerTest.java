package dev.overlayd.containers.attach;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.function.Supplier;
import java.util.logging.Level;
import com.google.common.net.InetAddresses;
import dev.overlayd.containers.Await;
import dev.overlayd.containers.LogCapture;
import dev.overlayd.containers.docker.ApiVersion;
import dev.overlayd.containers.docker.DockerClient;
import dev.overlayd.peers.IpPrefix;
import dev.overlayd.testing.DockerHost;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The agent against a real dockerd in a namespace of the test's. Until overlayd's driver serves the
 * overlay network, the network is made with Docker's own bridge driver (with --iptables=false it
 * touches nothing outside the namespace): what is tested here is which containers are connected,
 * when, and with which address.
 */
class AttachAgentDockerTest {
    private static final IpPrefix SUBNET = IpPrefix.parse("100.64.1.0/24");
    private static final OverlayNetwork NETWORK =
            new OverlayNetwork("overlay", "bridge", SUBNET, InetAddresses.forString("100.64.1.1"));
    private static final String BUSYBOX = DockerHost.IMAGE;

    private static DockerHost host;

    @TempDir
    Path state;
    private final List<AttachAgent> agents = new ArrayList<>();
    private final LogCapture capture = new LogCapture();

    @BeforeAll
    static void startDockerd() throws IOException {
        host = DockerHost.alone("agent", "198.19.41.1/24");
    }

    @AfterAll
    static void stopDockerd() throws IOException {
        if (host != null) {
            host.close();
        }
    }

    @AfterEach
    void cleanUp() throws IOException {
        agents.forEach(AttachAgent::close);
        capture.detach();
        host.removeContainersAndNetworks();
    }

    private AttachAgent agent(AttachMode mode) throws IOException {
        AttachAgent agent = startAgent(mode, NETWORK);
        await(() -> agent.status().docker().startsWith("connected"), "the agent connects to dockerd");
        return agent;
    }

    private AttachAgent startAgent(AttachMode mode, OverlayNetwork network) throws IOException {
        capture.attach(AttachAgent.class);
        AttachAgent agent = new AttachAgent(new DockerClient(host.socket()), new AttachPolicy(mode), network,
                new AddressAllocator(network.subnet(), network.gateway(), state.resolve("allocations.json")), Clock.systemUTC());
        agents.add(agent);
        agent.start();
        return agent;
    }

    @Test
    void negotiatesApi141WithDebiansDocker() throws IOException {
        try (DockerClient client = new DockerClient(host.socket())) {
            assertEquals(new ApiVersion(1, 41), client.negotiate());
        }
    }

    @Test
    void aContainerCreatedThenStartedSeesItsOverlayAddressInItsFirstCommand() throws IOException {
        AttachAgent agent = agent(AttachMode.ALL);
        // As the ECS agent does: create, then start once the create has returned.
        host.docker("create", "--name", "first", BUSYBOX, "ip", "-4", "-o", "addr", "show");
        ContainersStatus.Attached first = attached(agent, "first");
        assertTrue(SUBNET.contains(InetAddresses.forString(first.address()).getAddress()), first.address());
        String output = host.docker("start", "-a", "first");
        assertTrue(output.contains("eth1    inet " + first.address() + "/24"), output);
        assertTrue(lines(Level.WARNING, "late").isEmpty(), "attached at create, not late: " + lines(Level.WARNING, ""));
    }

    /**
     * docker run starts a container within a millisecond or two of its create, less than Docker
     * takes for a connect (7-10 ms here), so the start may take the container first; the interface
     * is then added to the running process. That must never pass silently.
     */
    @Test
    void dockerRunAttachesBeforeTheProcessStartsOrSaysItWasLate() throws IOException {
        AttachAgent agent = agent(AttachMode.ALL);
        for (int i = 0; i < 4; i++) {
            String name = "run" + i;
            String output = host.docker("run", i % 2 == 0 ? "-i" : "-d", "--name", name, BUSYBOX, "ip", "-4", "-o", "addr", "show");
            String address = attached(agent, name).address();
            if (i % 2 == 1) {
                host.docker("wait", name);
                output = host.docker("logs", name);
            }
            boolean onTime = output.contains("eth1    inet " + address + "/24");
            assertEquals(!onTime, !lines(Level.WARNING, name + " attached late").isEmpty(),
                    name + (onTime ? " saw its address but was said late" : " started without its address unsaid") + ": " + output);
        }
    }

    @Test
    void optedOutAndSharedNetworkStacksAreSkippedWithTheirReasons() throws IOException {
        AttachAgent agent = agent(AttachMode.ALL);
        host.docker("create", "--name", "out", "--label", "dev.overlayd.attach=false", BUSYBOX);
        host.docker("create", "--name", "none", "--network", "none", BUSYBOX);
        host.docker("create", "--name", "hostnet", "--network", "host", BUSYBOX);
        assertTrue(skipped(agent, "out").reason().contains("opted out"));
        assertTrue(skipped(agent, "none").reason().contains("--network none"));
        assertTrue(skipped(agent, "hostnet").reason().contains("--network host"));
        for (String name : List.of("out", "none", "hostnet")) {
            assertFalse(host.docker("inspect", "--format", "{{json .NetworkSettings.Networks}}", name).contains("\"overlay\""), name);
        }
    }

    @Test
    void labelledModeAttachesOnlyTheOptedIn() throws IOException {
        AttachAgent agent = agent(AttachMode.LABELLED);
        host.docker("create", "--name", "in", "--label", "dev.overlayd.attach=true", BUSYBOX);
        host.docker("create", "--name", "plain", BUSYBOX);
        assertNotNull(attached(agent, "in").address());
        assertTrue(skipped(agent, "plain").reason().contains("not labelled"));
    }

    @Test
    void aRestartKeepsTheAddressAndARemovalFreesIt() throws IOException {
        AttachAgent agent = agent(AttachMode.ALL);
        host.docker("run", "-d", "--init", "--name", "restarted", BUSYBOX, "sleep", "600");
        String address = attached(agent, "restarted").address();
        assertTrue(overlayAddressIn("restarted").contains(address));
        host.docker("restart", "-t", "0", "restarted");
        assertTrue(overlayAddressIn("restarted").contains(address), "the same address after a restart");
        await(() -> "running".equals(attached(agent, "restarted").state()), "restarted is running again");
        String id = attached(agent, "restarted").id();
        assertTrue(Files.readString(state.resolve("allocations.json")).contains(id));

        host.docker("rm", "-f", "restarted");
        await(() -> find(agent.status().attached(), "restarted").isEmpty(), "restarted is gone from the status");
        assertFalse(Files.readString(state.resolve("allocations.json")).contains(id), "its address is freed");
        host.docker("create", "--name", "next", BUSYBOX);
        assertEquals(address, attached(agent, "next").address(), "the freed address is handed out again");
    }

    @Test
    void aDockerdRestartedIsReconnectedToAndResynced() throws IOException {
        AttachAgent agent = agent(AttachMode.ALL);
        host.docker("create", "--name", "before", BUSYBOX);
        String before = attached(agent, "before").address();
        host.stopDaemon();
        await(() -> agent.status().docker().startsWith("retrying"), "the agent sees dockerd gone");
        host.startDaemon();
        await(() -> lines(Level.INFO, "reconnected").size() == 1, "the agent reconnects");
        assertEquals(1, lines(Level.WARNING, "retrying with backoff").size(),
                "one line for the outage, however many retries: " + lines(Level.WARNING, ""));
        assertEquals(before, attached(agent, "before").address());
        host.docker("create", "--name", "after", BUSYBOX);
        assertNotNull(attached(agent, "after").address());
        assertFalse(before.equals(attached(agent, "after").address()));
    }

    @Test
    void containersCreatedWhileTheAgentWasDownAreAttachedAndRunningOnesKept() throws IOException {
        AttachAgent first = agent(AttachMode.ALL);
        host.docker("create", "--init", "--name", "kept", BUSYBOX, "sleep", "600");
        String kept = attached(first, "kept").address();
        host.docker("start", "kept");
        String startedAt = host.docker("inspect", "--format", "{{.State.StartedAt}}", "kept");
        first.close();
        agents.remove(first);
        host.docker("create", "--name", "meanwhile", BUSYBOX);
        capture.clear();

        AttachAgent second = agent(AttachMode.ALL);
        ContainersStatus.Attached again = attached(second, "kept");
        assertEquals(kept, again.address());
        assertEquals("running", again.state());
        assertEquals(startedAt, host.docker("inspect", "--format", "{{.State.StartedAt}}", "kept"), "not restarted");
        assertTrue(overlayAddressIn("kept").contains(kept));
        assertNotNull(attached(second, "meanwhile").address());
        assertTrue(lines(Level.WARNING, "late").isEmpty(), "nothing running was unattached: " + lines(Level.WARNING, ""));
    }

    @Test
    void aWrongNetworkOfTheNameIsReplacedWhenUnused() throws IOException {
        host.docker("network", "create", "--subnet", "100.64.2.0/24", "overlay");
        agent(AttachMode.ALL);
        assertTrue(host.docker("network", "inspect", "--format", "{{range .IPAM.Config}}{{.Subnet}}{{end}}", "overlay")
                .contains("100.64.1.0/24"));
    }

    @Test
    void aWrongNetworkOfTheNameInUseIsAClearErrorAndNothingIsTouched() throws IOException {
        host.docker("network", "create", "--subnet", "100.64.2.0/24", "overlay");
        host.docker("run", "-d", "--init", "--name", "user", "--network", "overlay", BUSYBOX, "sleep", "600");
        AttachAgent agent = startAgent(AttachMode.ALL, NETWORK);
        await(() -> agent.status().docker().contains("containers are on it"), "the agent says what is wrong: " + agent.status());
        assertTrue(agent.status().docker().contains("docker network rm overlay"), agent.status().docker());
        assertTrue(host.docker("network", "inspect", "--format", "{{range .IPAM.Config}}{{.Subnet}}{{end}}", "overlay")
                .contains("100.64.2.0/24"), "the operator's network is left alone");
    }

    @Test
    void aFullSubnetLeavesTheContainerRunningWithoutTheOverlayAndSaysWhy() throws IOException {
        // A /29: .0 the network, .1 the node, .7 broadcast; five for containers.
        OverlayNetwork small = new OverlayNetwork("small", "bridge", IpPrefix.parse("100.64.3.0/29"),
                InetAddresses.forString("100.64.3.1"));
        AttachAgent agent = startAgent(AttachMode.ALL, small);
        await(() -> agent.status().docker().startsWith("connected"), "the agent connects to dockerd");
        for (int i = 0; i < 5; i++) {
            host.docker("create", "--name", "c" + i, BUSYBOX);
            attached(agent, "c" + i);
        }
        host.docker("run", "-d", "--init", "--name", "sixth", BUSYBOX, "sleep", "600");
        assertTrue(skipped(agent, "sixth").reason().contains("100.64.3.0/29 is exhausted"), agent.status().toString());
        assertEquals("true", host.docker("inspect", "--format", "{{.State.Running}}", "sixth").strip());
        assertEquals(1, lines(Level.WARNING, "sixth runs without the overlay").size(), lines(Level.WARNING, "").toString());
        // What overlayd_containers{state} reads.
        assertEquals(5, agent.attachedCount());
        assertEquals(1, agent.skippedCount());
    }

    private String overlayAddressIn(String container) throws IOException {
        return host.docker("exec", container, "ip", "-4", "-o", "addr", "show", "eth1");
    }

    private ContainersStatus.Attached attached(AttachAgent agent, String name) {
        await(() -> find(agent.status().attached(), name).isPresent(), name + " is attached; status: " + agent.status());
        return find(agent.status().attached(), name).orElseThrow();
    }

    private ContainersStatus.Skipped skipped(AttachAgent agent, String name) {
        await(() -> agent.status().skipped().stream().anyMatch(s -> s.name().equals(name)), name + " is skipped; status: "
                + agent.status());
        return agent.status().skipped().stream().filter(s -> s.name().equals(name)).findFirst().orElseThrow();
    }

    private static Optional<ContainersStatus.Attached> find(List<ContainersStatus.Attached> attached, String name) {
        return attached.stream().filter(a -> a.name().equals(name)).findFirst();
    }

    private List<String> lines(Level level, String containing) {
        return capture.lines(level, containing);
    }

    private static void await(Supplier<Boolean> condition, String what) {
        Await.until(condition, () -> what + "\ndockerd log tail: " + tail(host.log()));
    }

    private static String tail(String log) {
        return log.length() > 3000 ? log.substring(log.length() - 3000) : log;
    }
}
