package dev.overlayd.containers.driver;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.google.common.net.InetAddresses;
import dev.overlayd.containers.Await;
import dev.overlayd.containers.LogCapture;
import dev.overlayd.containers.attach.AddressAllocator;
import dev.overlayd.containers.attach.AttachAgent;
import dev.overlayd.containers.attach.AttachMode;
import dev.overlayd.containers.attach.AttachPolicy;
import dev.overlayd.containers.attach.OverlayNetwork;
import dev.overlayd.containers.docker.DockerClient;
import dev.overlayd.peers.IpPrefix;
import dev.overlayd.testing.DockerHost;
import dev.overlayd.testing.Netns;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * overlayd as the authorization plugin of a real dockerd (Debian's docker.io), turned on in the
 * running daemon as an operator would (daemon.json, SIGHUP). The plugin socket is served from this
 * JVM into the test host's plugin directory, with the attach agent as its start gate; the overlay
 * network is of Docker's bridge driver (the network driver itself is tested elsewhere), so what is
 * tested is the order: no container's process starts before the agent has dealt with it.
 */
class AuthorizationDockerTest {
    private static final IpPrefix SUBNET = IpPrefix.parse("100.64.1.0/24");
    private static final OverlayNetwork NETWORK =
            new OverlayNetwork("overlay", "bridge", SUBNET, InetAddresses.forString("100.64.1.1"));

    private static Path dir;
    private static Netns netns;
    private static DockerHost host;
    private static AttachAgent agent;
    private static Driver plugin;
    /** While set, starts wait for it before they go to the agent. */
    private static volatile CompletableFuture<Void> hold;
    private static final List<String> asked = new ArrayList<>();
    private static final LogCapture CAPTURE = new LogCapture();

    @BeforeAll
    static void start() throws IOException {
        dir = Files.createTempDirectory("authz-docker");
        netns = Netns.create("authz");
        CAPTURE.attach(AuthZCalls.class, AttachAgent.class);
        host = DockerHost.start("authz", netns.name(), dir.resolve("docker"), "198.19.43.1/24");
        agent = new AttachAgent(new DockerClient(host.socket()), new AttachPolicy(AttachMode.ALL), NETWORK,
                new AddressAllocator(SUBNET, NETWORK.gateway(), dir.resolve("allocations.json")), Clock.systemUTC());
        plugin = Driver.start(host.pluginDirectory().resolve(Driver.NAME + ".sock"), dir.resolve("driver"),
                DriverCallsTest.SELF, () -> 1420, new FakeHostNetwork(), idOrName -> {
                    synchronized (asked) {
                        asked.add(idOrName);
                    }
                    CompletableFuture<Void> h = hold;
                    return h == null ? agent.ready(idOrName) : h.thenCompose(x -> agent.ready(idOrName));
                });
        agent.start();
        Await.until(() -> agent.status().docker().startsWith("connected"), () -> "the agent connects: " + agent.status());
        host.enableAuthorization(Driver.NAME);
    }

    @AfterAll
    static void stop() throws IOException {
        try {
            if (host != null) {
                // While the plugin still answers: with it gone, every request would wait for it.
                host.close();
            }
        } finally {
            if (plugin != null) {
                plugin.close();
            }
            if (agent != null) {
                agent.close();
            }
            CAPTURE.detach();
            netns.close();
            Netns.run("rm", "-rf", dir.toString());
        }
    }

    @AfterEach
    void cleanUp() throws IOException {
        CompletableFuture<Void> h = hold;
        hold = null;
        if (h != null) {
            h.complete(null);
        }
        // The containers only: the agent's network stays for the next test.
        String containers = host.docker("ps", "-aq").strip();
        if (!containers.isEmpty()) {
            List<String> rm = new ArrayList<>(List.of("rm", "-f"));
            rm.addAll(List.of(containers.split("\\s+")));
            host.docker(rm.toArray(String[]::new));
        }
        CAPTURE.clear();
    }

    /**
     * docker run sends its start 1-2 ms after the create returns, sooner than dockerd connects a
     * container (7-10 ms): without the plugin, most of these runs begin without eth1.
     */
    @Test
    void dockerRunsFirstCommandAlwaysSeesItsOverlayAddress() throws IOException {
        for (int i = 0; i < 10; i++) {
            String output = host.docker("run", "--rm", "--init", DockerHost.IMAGE, "ip", "-4", "-o", "addr", "show", "dev", "eth1");
            assertTrue(output.contains("inet 100.64.1.") && output.contains("/24"), "run " + i + " saw: " + output);
        }
        assertTrue(lines("attached late").isEmpty(), lines("").toString());
        assertTrue(lines("authorization").isEmpty(), "nothing given up on: " + lines(""));
    }

    @Test
    void otherRequestsPassWhileAStartIsHeld() throws Exception {
        host.docker("create", "--init", "--name", "held", DockerHost.IMAGE, "sleep", "600");
        hold = new CompletableFuture<>();
        Process start = new ProcessBuilder("/usr/bin/docker", "-H", "unix://" + host.socket(), "start", "held")
                .redirectErrorStream(true).start();
        Await.until(() -> {
            synchronized (asked) {
                return asked.contains("held");
            }
        }, () -> "the start reaches the plugin");
        assertEquals("created", host.docker("inspect", "--format", "{{.State.Status}}", "held").strip());
        assertTrue(host.docker("ps", "-a", "--format", "{{.Names}}").contains("held"));
        host.docker("create", "--name", "other", DockerHost.IMAGE);
        assertTrue(start.isAlive(), "the start is still held");
        hold.complete(null);
        assertTrue(start.waitFor(60, TimeUnit.SECONDS));
        assertEquals(0, start.exitValue(), new String(start.getInputStream().readAllBytes()));
        assertTrue(host.docker("exec", "held", "ip", "-4", "-o", "addr", "show", "dev", "eth1").contains("inet 100.64.1."));
    }

    @Test
    void aContainerTheAgentSkipsStartsWithoutTheOverlay() throws IOException {
        String output = host.docker("run", "--name", "out", "--label", "dev.overlayd.attach=false", DockerHost.IMAGE,
                "ip", "-4", "-o", "addr", "show");
        assertTrue(output.contains("eth0") && !output.contains("eth1"), output);
        assertTrue(agent.status().skipped().stream().anyMatch(s -> s.name().equals("out") && s.reason().contains("opted out")),
                agent.status().toString());
    }

    @Test
    void aMalformedAuthorizationRequestIsAllowedAndSaid() throws Exception {
        Path socket = host.pluginDirectory().resolve(Driver.NAME + ".sock");
        assertEquals("{\"Allow\":true,\"Msg\":\"\",\"Err\":\"\"}", PluginSocketTest.curl(socket, AuthZApi.REQUEST, "{not json"));
        assertEquals(1, lines("malformed request allowed").size(), lines("").toString());
    }

    private static List<String> lines(String containing) {
        return CAPTURE.lines(containing);
    }
}
