package dev.overlayd.routing.discovery;

import java.io.IOException;
import java.net.InetAddress;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.logging.Logger;
import dev.overlayd.containers.docker.ContainerInfo;
import dev.overlayd.containers.docker.DockerClient;
import dev.overlayd.containers.docker.DockerEvent;
import dev.overlayd.containers.docker.DockerException;
import dev.overlayd.containers.docker.DockerFollower;
import dev.overlayd.membership.Membership;
import dev.overlayd.node.plugin.NodeIdentity;

/**
 * Registers this node's running containers as service instances (one per exposed port, named by
 * {@link ServiceNaming}, with the HTTP routes its labels ask for) at their overlay address, the one in the node's container subnet. It
 * follows dockerd's events (a container's start, death, health, rename, pause and unpause, and its
 * connects to and disconnects from networks, as its overlay address may come after its start) and
 * resyncs fully at start and on every reconnect of the stream: a container that dies is withdrawn
 * at once, on the event, without asking dockerd; a paused one too. While dockerd is away the
 * instances published stay (their containers may well run on) until the resync after the
 * reconnect, retried with a backoff (0.5 s doubling to 30 s). A publish that fails (the membership
 * backend refusing) is retried by a resync every 5 s until it works. What it leaves out is in
 * {@link #status}, and logged once per reason; so is an instance whose routes would not fit in its
 * record, which registers without them.
 *
 * <p>Everything that talks to dockerd or the publisher runs on the registration's one thread (its
 * {@link DockerFollower}'s), in order.
 */
public final class Registration implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(Registration.class.getName());
    static final List<String> TYPES = List.of("container", "network");
    /** "health_status" takes in Docker's "health_status: healthy" and the rest; connect and disconnect are the network's. */
    static final List<String> ACTIONS = List.of("start", "die", "health_status", "rename", "pause", "unpause", "connect",
            "disconnect");
    private static final Duration PUBLISH_RETRY = Duration.ofSeconds(5);

    /** A running container as registered: its start, the instances published by record key, what was left out. */
    private record Registered(String name, Instant startedAt, Map<String, ServiceInstance> instances,
                              List<RegistrationStatus.Skipped> skipped) {}

    /** What the status lists, as of the last change. */
    private record Listed(List<ServiceInstance> instances, List<RegistrationStatus.Skipped> skipped) {}

    private final DockerClient docker;
    private final NodeIdentity self;
    private final InstancePublisher publisher;
    private final Clock clock;
    private final DockerFollower follower;

    // Registration thread only.
    private final Map<String, Registered> containers = new HashMap<>();
    private boolean retryScheduled;
    private boolean publishFailing;
    private volatile Listed listed = new Listed(List.of(), List.of());

    public Registration(DockerClient docker, NodeIdentity self, InstancePublisher publisher, Clock clock) {
        this.docker = docker;
        this.self = self;
        this.publisher = publisher;
        this.clock = clock;
        this.follower = new DockerFollower(docker, TYPES, ACTIONS, "discovery-registration", LOG, "discovery",
                "the instances registered stay as they are meanwhile", new DockerFollower.Listener(() -> { },
                        this::resync, this::onEvent, () -> "; " + listed.instances().size() + " instances registered"));
    }

    /** Starts watching dockerd; returns at once (dockerd need not be up). */
    public void start() {
        follower.start();
    }

    public RegistrationStatus status() {
        Listed now = listed;
        return new RegistrationStatus(follower.state(), now.instances(), now.skipped());
    }

    /** Stops watching; what is published stays (it goes with the node's membership, or the next resync mends it). */
    @Override
    public void close() {
        follower.close();
    }

    /** Every running container considered again; those no longer running are withdrawn. */
    private void resync() throws IOException {
        List<String> running = docker.runningContainerIds();
        Set<String> runningNow = Set.copyOf(running);
        for (String id : new ArrayList<>(containers.keySet())) {
            if (!runningNow.contains(id)) {
                withdraw(id);
            }
        }
        for (String id : running) {
            considerOrSkip(id);
        }
        showStatus();
    }

    private void onEvent(DockerEvent event) {
        String id = event.type().equals("network") ? event.attributes().getOrDefault("container", "") : event.id();
        if (id.isEmpty() || !TYPES.contains(event.type())) {
            return;
        }
        try {
            if (event.type().equals("container") && event.action().equals("die")) {
                withdraw(id);
            } else {
                considerOrSkip(id);
            }
        } catch (IOException e) {
            // dockerd is going: the stream's end says so, once; the resync after the reconnect redoes this.
            LOG.fine("discovery: " + event.action() + " of container " + shortId(id) + ": " + e.getMessage());
        }
        showStatus();
    }

    /**
     * {@link #consider}, and a failure that is the container's own (dockerd refused, or its inspect
     * was too large to read, while dockerd still answers; or what it says is beyond this code) shown
     * as its skip; dockerd gone is thrown.
     */
    private void considerOrSkip(String id) throws IOException {
        String reason;
        try {
            consider(id);
            return;
        } catch (IOException e) {
            if (!(e instanceof DockerException)) {
                docker.negotiate();
            }
            reason = "inspecting it failed: " + e.getMessage();
        } catch (RuntimeException e) {
            reason = "what dockerd says of it cannot be registered: " + e;
        }
        Registered known = containers.get(id);
        skipWhole(id, known == null ? shortId(id) : known.name(), reason);
    }

    private void consider(String id) throws IOException {
        Optional<ContainerInfo> found = docker.container(id);
        if (found.isEmpty() || !found.get().state().equals("running")) {
            withdraw(id);
            return;
        }
        ContainerInfo container = found.get();
        Optional<InetAddress> address = overlayAddress(container);
        if (address.isEmpty()) {
            skipWhole(container.id(), container.name(), self.containerSubnet() == null
                    ? "not on the overlay: this node has no container subnet"
                    : "not on the overlay: no address in " + self.containerSubnet() + " on its networks");
            return;
        }
        ServiceNaming.Plan plan = ServiceNaming.plan(container);
        Registered before = containers.get(container.id());
        boolean sameRun = before != null && Objects.equals(before.startedAt(), container.startedAt());
        Health health = health(container.health());
        Map<String, ServiceInstance> instances = new LinkedHashMap<>();
        List<RegistrationStatus.Skipped> skipped = new ArrayList<>();
        plan.refused().forEach(r -> skipped.add(skip(before, container.name(), container.id(), r.port(), r.reason())));
        for (ServiceNaming.Offered offered : plan.offered()) {
            String key = InstanceRecord.key(container.id(), offered.port(), offered.protocol());
            ServiceInstance had = sameRun ? before.instances().get(key) : null;
            // In milliseconds, as the record keeps it.
            Instant since = (had == null
                    ? Objects.requireNonNullElseGet(container.startedAt(), clock::instant)
                    : had.health() == health ? had.since() : clock.instant()).truncatedTo(ChronoUnit.MILLIS);
            String port = offered.port() + "/" + offered.protocol();
            ServiceInstance instance = new ServiceInstance(offered.service(),
                    self.name() + ":" + container.name() + ":" + offered.port()
                            + (offered.protocol().equals("tcp") ? "" : "/" + offered.protocol()),
                    address.get(), offered.port(), offered.protocol(), self.name(), offered.tags(), health, since, offered.http());
            int size = InstanceRecord.encode(instance).length;
            if (size > Membership.MAX_RECORD_VALUE && !instance.http().isEmpty()) {
                // Too many routes need not cost the service its DNS name: it registers unrouted, and says so.
                ServiceInstance unrouted = new ServiceInstance(instance.service(), instance.id(), instance.address(),
                        instance.port(), instance.protocol(), instance.node(), instance.tags(), health, since, List.of());
                int bare = InstanceRecord.encode(unrouted).length;
                if (bare <= Membership.MAX_RECORD_VALUE) {
                    skipped.add(skip(before, container.name(), container.id(), port, ServiceNaming.NOT_ROUTED
                            + "its record would be " + size + " bytes with its routes, more than the "
                            + Membership.MAX_RECORD_VALUE + " a record holds: fewer or shorter host names ("
                            + HttpLabels.HOST + "), or a shorter path"));
                    instance = unrouted;
                    size = bare;
                }
            }
            if (size > Membership.MAX_RECORD_VALUE) {
                skipped.add(skip(before, container.name(), container.id(), port,
                        "its record would be " + size + " bytes, more than the " + Membership.MAX_RECORD_VALUE
                                + " a record holds: fewer or shorter tags (SERVICE_TAGS), or a shorter name"));
                continue;
            }
            instances.put(key, instance);
        }
        update(container.id(), new Registered(container.name(), container.startedAt(), instances, skipped));
    }

    private static Health health(String docker) {
        if (docker == null || docker.equals("healthy") || docker.equals("none")) {
            return Health.PASSING;
        }
        return docker.equals("starting") ? Health.STARTING : Health.UNHEALTHY;
    }

    private Optional<InetAddress> overlayAddress(ContainerInfo container) {
        if (self.containerSubnet() == null) {
            return Optional.empty();
        }
        return container.addresses().values().stream()
                .filter(a -> self.containerSubnet().contains(a.getAddress())).findFirst();
    }

    private void skipWhole(String id, String name, String reason) {
        Registered before = containers.get(id);
        update(id, new Registered(name, before == null ? null : before.startedAt(), Map.of(),
                List.of(skip(before, name, id, null, reason))));
    }

    /** The skip, since when it was first made for this reason; said in the log when it is news. */
    private RegistrationStatus.Skipped skip(Registered before, String name, String id, String port, String reason) {
        Optional<RegistrationStatus.Skipped> had = before == null ? Optional.empty() : before.skipped().stream()
                .filter(s -> Objects.equals(s.port(), port) && s.reason().equals(reason)).findFirst();
        if (had.isPresent()) {
            return had.get();
        }
        LOG.info("discovery: " + name + (port == null ? "" : " " + port)
                + (reason.startsWith(ServiceNaming.NOT_ROUTED) ? " is registered but " : " is not registered: ") + reason);
        return new RegistrationStatus.Skipped(name, id, port, reason, clock.instant());
    }

    private void withdraw(String id) {
        if (containers.containsKey(id)) {
            update(id, null);
        }
    }

    /**
     * Publishes what changed between the container's instances as they were and {@code now} (null:
     * it is gone). A key whose publish fails keeps what it had, so a retry, scheduled here, redoes it.
     */
    private void update(String id, Registered now) {
        Registered before = containers.get(id);
        Map<String, ServiceInstance> had = before == null ? Map.of() : before.instances();
        Map<String, ServiceInstance> wanted = now == null ? Map.of() : now.instances();
        Map<String, ServiceInstance> published = new LinkedHashMap<>();
        Set<String> keys = new HashSet<>(had.keySet());
        keys.addAll(wanted.keySet());
        for (String key : keys) {
            ServiceInstance want = wanted.get(key);
            ServiceInstance old = had.get(key);
            boolean ok = Objects.equals(want, old) || publish(key, want, old);
            ServiceInstance kept = ok ? want : old;
            if (kept != null) {
                published.put(key, kept);
            }
        }
        if (now == null && published.isEmpty()) {
            containers.remove(id);
        } else {
            String name = now == null ? before.name() : now.name();
            containers.put(id, new Registered(name, now == null ? before.startedAt() : now.startedAt(), published,
                    now == null ? List.of() : now.skipped()));
        }
    }

    /** {@code instance} in place of {@code old} (either may be null); false when the publisher failed. */
    private boolean publish(String key, ServiceInstance instance, ServiceInstance old) {
        try {
            publisher.publish(key, instance);
        } catch (IOException | RuntimeException e) {
            String what = (instance == null ? "withdrawing " + old.id() : "publishing " + instance.id()) + " failed ("
                    + e.getMessage() + ")";
            if (publishFailing) {
                LOG.fine("discovery: " + what);
            } else {
                publishFailing = true;
                LOG.warning("discovery: " + what + "; retried every " + PUBLISH_RETRY.toSeconds() + " s until it works");
            }
            if (!retryScheduled) {
                retryScheduled = true;
                follower.schedule(this::retry, PUBLISH_RETRY);
            }
            return false;
        }
        if (publishFailing) {
            publishFailing = false;
            LOG.info("discovery: publishing works again");
        }
        if (instance == null) {
            LOG.info("discovery: withdrew " + old.id());
        } else {
            LOG.info("discovery: registered " + instance.id() + " (service " + instance.service() + ") at "
                    + instance.address().getHostAddress() + ":" + instance.port() + "/" + instance.protocol() + ", "
                    + instance.health().name().toLowerCase(Locale.ROOT));
        }
        return true;
    }

    private void retry() {
        retryScheduled = false;
        if (!follower.watching()) {
            return;
        }
        try {
            resync();
        } catch (IOException e) {
            // dockerd is going: the stream's end says so, and the reconnect resyncs.
            LOG.fine("discovery: resync after a failed publish: " + e.getMessage());
        }
    }

    private void showStatus() {
        List<ServiceInstance> instances = containers.values().stream().flatMap(r -> r.instances().values().stream())
                .sorted(Comparator.comparing(ServiceInstance::service).thenComparing(ServiceInstance::id)).toList();
        List<RegistrationStatus.Skipped> skipped = containers.values().stream().flatMap(r -> r.skipped().stream())
                .sorted(Comparator.comparing(RegistrationStatus.Skipped::container)
                        .thenComparing(s -> s.port() == null ? "" : s.port())).toList();
        listed = new Listed(instances, skipped);
    }

    private static String shortId(String id) {
        return id.length() > 12 ? id.substring(0, 12) : id;
    }
}
