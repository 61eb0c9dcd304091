package dev.overlayd.routing.discovery;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import java.util.stream.IntStream;
import java.util.logging.Level;
import com.google.common.net.InetAddresses;
import dev.overlayd.containers.Await;
import dev.overlayd.containers.LogCapture;
import dev.overlayd.containers.docker.DockerClient;
import dev.overlayd.node.plugin.FakePluginContext;
import dev.overlayd.node.plugin.NodeIdentity;
import dev.overlayd.peers.IpPrefix;
import dev.overlayd.testing.DockerHost;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The registration against a real dockerd in a namespace of the test's. The node's container
 * subnet is a network of Docker's bridge driver (with --iptables=false it touches nothing outside
 * the namespace) and containers are put on it with --ip, as the attach agent would connect them;
 * what is published goes through a {@link FakePluginContext} as records, encoded and decoded.
 */
class RegistrationDockerTest {
    private static final IpPrefix SUBNET = IpPrefix.parse("100.64.1.0/24");
    private static final NodeIdentity SELF = new NodeIdentity("node1", InetAddresses.forString("100.64.1.1"), SUBNET,
            List.of(), IpPrefix.parse("100.64.0.0/10"), "ovt1");
    private static final String BUSYBOX = DockerHost.IMAGE;

    private static DockerHost host;

    @TempDir
    Path state;
    private FakePluginContext context;
    private Registration registration;
    private SocketProxy proxy;
    /** While set, the publisher fails, as a membership backend that cannot publish does. */
    private volatile boolean refusing;
    private final LogCapture capture = new LogCapture();

    @BeforeAll
    static void startDockerd() throws IOException {
        host = DockerHost.alone("reg", "198.19.42.1/24");
    }

    @AfterAll
    static void stopDockerd() throws IOException {
        if (host != null) {
            host.close();
        }
    }

    @BeforeEach
    void overlayNetwork() throws IOException {
        capture.attach(Registration.class);
        host.docker("network", "create", "--subnet", SUBNET.toString(), "overlay");
    }

    @AfterEach
    void cleanUp() throws IOException {
        try {
            if (registration != null) {
                registration.close();
            }
            if (proxy != null) {
                proxy.close();
            }
        } finally {
            capture.detach();
            host.removeContainersAndNetworks();
        }
    }

    private Registration start(Path socket) {
        context = new FakePluginContext(SELF, state.resolve("discovery"));
        // As the discovery plugin connects it.
        InstancePublisher publisher = (key, instance) -> {
            if (refusing) {
                throw new IOException("the backend refuses");
            }
            context.publish(key, instance == null ? null : InstanceRecord.encode(instance));
        };
        registration = new Registration(new DockerClient(socket), SELF, publisher, Clock.systemUTC());
        registration.start();
        await(() -> registration.status().docker().startsWith("connected"), "the registration connects to dockerd");
        return registration;
    }

    @Test
    void aNamedContainerIsPublishedAtItsOverlayAddressAndWithdrawnWhenItStops() throws IOException {
        start(host.socket());
        String id = run("web", "100.64.1.10", "--label", "SERVICE_NAME=web", "--env", "SERVICE_TAGS=v1,Primary",
                "--expose", "8080");
        String key = InstanceRecord.key(id, 8080, "tcp");
        ServiceInstance web = published(key);
        assertEquals("web", web.service());
        assertEquals("node1:web:8080", web.id());
        assertEquals(InetAddresses.forString("100.64.1.10"), web.address());
        assertEquals(8080, web.port());
        assertEquals("tcp", web.protocol());
        assertEquals("node1", web.node());
        assertEquals(List.of("v1", "primary"), web.tags());
        assertEquals(Health.PASSING, web.health(), "no health check: passing while it runs");
        assertEquals(startedAt("web"), web.since());
        await(() -> registration.status().instances().equals(List.of(web)), "web in the status as published");

        host.docker("stop", "web");
        await(() -> !published().containsKey(key), "web is withdrawn when it stops");
        await(() -> registration.status().instances().isEmpty(), "web gone from the status");
        assertEquals(List.of(), registration.status().skipped(), "a stopped container is not a skipped one");
    }

    @Test
    void aHealthCheckTurningUnhealthyIsPublishedAndTheInstanceStaysListed() throws IOException {
        start(host.socket());
        String id = run("checked", "100.64.1.11", "--label", "SERVICE_NAME=checked", "--expose", "80",
                "--health-cmd", "cat /ok", "--health-interval", "500ms", "--health-retries", "1",
                "--entrypoint", "sh", BUSYBOX, "-c", "touch /ok && exec sleep 600");
        String key = InstanceRecord.key(id, 80, "tcp");
        await(() -> health(key) == Health.PASSING, "checked turns healthy");
        Instant healthySince = published(key).since();
        assertFalse(healthySince.isBefore(startedAt("checked")));

        host.docker("exec", "checked", "rm", "/ok");
        await(() -> health(key) == Health.UNHEALTHY, "checked turns unhealthy");
        ServiceInstance sick = published(key);
        assertEquals("checked", sick.service(), "listed still, with its health");
        assertFalse(sick.since().isBefore(healthySince), "since: the health change");
        assertFalse(sick.health().answered());

        host.docker("exec", "checked", "touch", "/ok");
        await(() -> health(key) == Health.PASSING, "checked turns healthy again");
    }

    @Test
    void anOverlayAddressThatComesAfterTheStartIsPublishedAndGoesWithTheDisconnect() throws IOException {
        start(host.socket());
        String id = host.docker("run", "-d", "--init", "--name", "late", "--label", "SERVICE_NAME=late", "--expose", "80",
                BUSYBOX, "sleep", "600").strip();
        await(() -> skipReason("late", null).orElse("").startsWith("not on the overlay"), "late is skipped: not on the overlay");
        String key = InstanceRecord.key(id, 80, "tcp");
        assertFalse(published().containsKey(key));

        host.docker("network", "connect", "--ip", "100.64.1.12", "overlay", "late");
        assertEquals(InetAddresses.forString("100.64.1.12"), published(key).address());
        await(() -> skipReason("late", null).isEmpty(), "late is no longer skipped");

        host.docker("network", "disconnect", "overlay", "late");
        await(() -> !published().containsKey(key), "late is withdrawn when it leaves the overlay");
        await(() -> skipReason("late", null).isPresent(), "late is skipped again");
    }

    @Test
    void oddContainersAreSkippedWithTheirReasonsAndTheRestRegistered() throws IOException {
        start(host.socket());
        run("noports", "100.64.1.20", "--label", "SERVICE_NAME=noports");
        run("ignored", "100.64.1.21", "--env", "SERVICE_IGNORE=true", "--expose", "80");
        run("bang", "100.64.1.22", "--label", "SERVICE_NAME=!!!\n?", "--expose", "80", "--expose", "81",
                "--label", "SERVICE_81_NAME=ok81");
        run("tagged", "100.64.1.23", "--label", "SERVICE_TAGS=" + IntStream.range(0, 200).mapToObj(i -> "tag" + i).collect(Collectors.joining(",")), "--label", "SERVICE_NAME=tagged",
                "--expose", "80");
        String good = run("good", "100.64.1.24", "--label", "SERVICE_NAME=good", "--expose", "53/udp");
        // Events are handled in order: once the last is published, the others have been dealt with.
        ServiceInstance udp = published(InstanceRecord.key(good, 53, "udp"));
        assertEquals("node1:good:53/udp", udp.id());
        assertTrue(skipReason("noports", null).orElseThrow().contains("docker run --expose"));
        assertEquals("ignored: SERVICE_IGNORE='true'", skipReason("ignored", null).orElseThrow());
        assertTrue(skipReason("bang", "80/tcp").orElseThrow().contains("nothing a DNS label keeps"));
        assertTrue(skipReason("tagged", "80/tcp").orElseThrow().contains("more than the 1024 a record holds"));
        assertTrue(registration.status().instances().stream().anyMatch(i -> i.service().equals("ok81")),
                "bang's port 81, named for itself, is registered: " + registration.status());
        assertEquals(1, capture.lines("tagged 80/tcp is not registered").size(), "said once");
    }

    @Test
    void httpLabelsArePublishedAsRoutesAndRoutesThatCannotBeAreLeftOutWithTheirReason() throws IOException {
        start(host.socket());
        String hosts = IntStream.range(0, 40).mapToObj(i -> "host" + i + ".example.com").collect(Collectors.joining(","));
        String many = run("many", "100.64.1.30", "--label", "SERVICE_NAME=many", "--label", "overlayd.http.host=" + hosts,
                "--expose", "80");
        String bad = run("bad", "100.64.1.31", "--label", "SERVICE_NAME=bad", "--label", "overlayd.http.path=v1",
                "--expose", "80");
        String api = run("api", "100.64.1.32", "--label", "SERVICE_NAME=api", "--label", "overlayd.http.host=API.example.com",
                "--label", "overlayd.http.path=/v1", "--label", "overlayd.http.port=8080", "--expose", "8080", "--expose", "9090");
        // Decoded from the record as every node reads it.
        assertEquals(List.of(new HttpRoute("api.example.com", "/v1")), published(InstanceRecord.key(api, 8080, "tcp")).http());
        assertEquals(List.of(), published(InstanceRecord.key(api, 9090, "tcp")).http());
        assertEquals(List.of(), published(InstanceRecord.key(bad, 80, "tcp")).http(), "registered for DNS, not routed");
        assertEquals("not routed: overlayd.http.path='v1' does not begin with /", skipReason("bad", "80/tcp").orElseThrow());
        assertEquals(List.of(), published(InstanceRecord.key(many, 80, "tcp")).http(), "registered without its routes");
        assertTrue(skipReason("many", "80/tcp").orElseThrow().matches("not routed: its record would be \\d+ bytes with its"
                + " routes, more than the 1024 a record holds.*"), registration.status().toString());
        assertEquals(1, capture.lines("many 80/tcp is registered but not routed").size(), "said once, as such");
    }

    @Test
    void aFailedPublishIsRetriedUntilItWorksAndAPausedContainerIsWithdrawn() throws IOException {
        start(host.socket());
        refusing = true;
        String key = InstanceRecord.key(run("retried", "100.64.1.60", "--label", "SERVICE_NAME=retried", "--expose", "80"),
                80, "tcp");
        await(() -> !capture.lines(Level.WARNING, "publishing node1:retried:80 failed").isEmpty(), "the failure is said");
        assertFalse(published().containsKey(key));
        refusing = false;
        published(key);
        assertEquals(1, capture.lines(Level.WARNING, "failed").size(), "said once: " + capture.lines(Level.WARNING, ""));

        host.docker("pause", "retried");
        await(() -> !published().containsKey(key), "retried is withdrawn while paused");
        host.docker("unpause", "retried");
        published(key);
    }

    /** Labels dockerd takes but the client will not read (over 16 MiB of inspect) skip that container alone. */
    @Test
    void aContainerTooLargeToInspectIsSkippedAndTheRestRegistered() throws IOException {
        Path labels = state.resolve("labels");
        String value = "x".repeat(60_000);
        Files.write(labels, IntStream.range(0, 300).mapToObj(i -> "L" + i + "=" + value).toList());
        start(host.socket());
        String huge = run("huge", "100.64.1.50", "--label-file", labels.toString(), "--label", "SERVICE_NAME=huge",
                "--expose", "80");
        String good = run("good", "100.64.1.51", "--label", "SERVICE_NAME=good", "--expose", "80");
        published(InstanceRecord.key(good, 80, "tcp"));
        // Its name is in the inspect that could not be read: it is shown by its id. (On a busy machine
        // dockerd may first take longer than the client waits, which is said as such.)
        await(() -> skipReason(huge.substring(0, 12), null).orElse("").endsWith("is over 16 MiB"),
                "huge is skipped, as its inspect is too large to read");
        assertFalse(published().containsKey(InstanceRecord.key(huge, 80, "tcp")));
        assertTrue(registration.status().docker().startsWith("connected"), "dockerd is not taken for gone");
    }

    @Test
    void aCutEventStreamIsReconnectedAndWhatHappenedMeanwhileResynced() throws IOException {
        proxy = new SocketProxy(state.resolve("proxy.sock"), host.socket());
        start(proxy.socket());
        String before = run("before", "100.64.1.30", "--label", "SERVICE_NAME=before", "--expose", "80");
        String kept = run("kept", "100.64.1.31", "--label", "SERVICE_NAME=kept", "--expose", "80");
        String beforeKey = InstanceRecord.key(before, 80, "tcp");
        String keptKey = InstanceRecord.key(kept, 80, "tcp");
        published(beforeKey);
        ServiceInstance keptInstance = published(keptKey);

        proxy.cut();
        await(() -> registration.status().docker().startsWith("retrying"), "the registration sees the stream end");
        host.docker("stop", "before");
        String after = run("after", "100.64.1.32", "--label", "SERVICE_NAME=after", "--expose", "80");
        assertTrue(published().containsKey(beforeKey), "nothing heard while cut");
        proxy.resume();

        await(() -> capture.lines(Level.INFO, "reconnected").size() == 1, "the registration reconnects");
        assertEquals(1, capture.lines(Level.WARNING, "retrying with backoff").size(),
                "one line for the outage: " + capture.lines(Level.WARNING, ""));
        assertFalse(published().containsKey(beforeKey), "stopped meanwhile: withdrawn by the resync");
        assertEquals("after", published(InstanceRecord.key(after, 80, "tcp")).service());
        assertEquals(keptInstance, published(keptKey), "running throughout: unchanged");
    }

    @Test
    void aRestartedDockerdIsReconnectedToAndItsRestartedContainersRegisteredAnew() throws IOException {
        start(host.socket());
        String id = run("always", "100.64.1.40", "--restart", "always", "--label", "SERVICE_NAME=always", "--expose", "80");
        String key = InstanceRecord.key(id, 80, "tcp");
        Instant firstSince = published(key).since();

        host.stopDaemon();
        await(() -> registration.status().docker().startsWith("retrying"), "the registration sees dockerd gone");
        host.startDaemon();
        await(() -> capture.lines(Level.INFO, "reconnected").size() == 1, "the registration reconnects");
        await(() -> published().containsKey(key) && !published().get(key).since().equals(firstSince),
                "always, restarted by dockerd, is registered again since its new start");
        assertEquals(startedAt("always"), published(key).since());
        String after = run("after", "100.64.1.41", "--label", "SERVICE_NAME=after", "--expose", "80");
        published(InstanceRecord.key(after, 80, "tcp"));
    }

    /** docker run -d --init on the overlay at {@code address} with {@code args} (options, then optionally an image and command). */
    private static String run(String name, String address, String... args) throws IOException {
        List<String> command = new ArrayList<>(List.of("run", "-d", "--init", "--name", name, "--network", "overlay",
                "--ip", address));
        command.addAll(List.of(args));
        if (!command.contains(BUSYBOX)) {
            command.addAll(List.of(BUSYBOX, "sleep", "600"));
        }
        return host.docker(command.toArray(String[]::new)).strip();
    }

    private static Instant startedAt(String container) throws IOException {
        // Records keep milliseconds.
        return Instant.parse(host.docker("inspect", "--format", "{{.State.StartedAt}}", container).strip())
                .truncatedTo(ChronoUnit.MILLIS);
    }

    private Map<String, ServiceInstance> published() {
        Map<String, ServiceInstance> instances = new TreeMap<>();
        context.published().forEach((key, record) -> {
            try {
                instances.put(key, InstanceRecord.decode(SELF.name(), record));
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
        });
        return instances;
    }

    /** The instance under {@code key}, once it is published. */
    private ServiceInstance published(String key) {
        await(() -> published().containsKey(key), key + " is published; status: " + registration.status());
        return published().get(key);
    }

    private Health health(String key) {
        ServiceInstance instance = published().get(key);
        return instance == null ? null : instance.health();
    }

    private Optional<String> skipReason(String container, String port) {
        return registration.status().skipped().stream()
                .filter(s -> s.container().equals(container) && Objects.equals(s.port(), port))
                .map(RegistrationStatus.Skipped::reason).findFirst();
    }

    private void await(Supplier<Boolean> condition, String what) {
        Await.until(condition, () -> what + "\nstatus: " + (registration == null ? "-" : registration.status())
                + "\ndockerd log tail: " + tail(host.log()));
    }

    private static String tail(String log) {
        return log.length() > 3000 ? log.substring(log.length() - 3000) : log;
    }
}
