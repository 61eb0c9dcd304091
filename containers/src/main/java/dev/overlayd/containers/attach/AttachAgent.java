package dev.overlayd.containers.attach;

import java.io.IOException;
import java.net.InetAddress;
import java.time.Clock;
import java.time.Instant;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ConcurrentHashMap;
import java.util.logging.Logger;
import dev.overlayd.containers.docker.ContainerInfo;
import dev.overlayd.containers.docker.DockerClient;
import dev.overlayd.containers.docker.DockerEvent;
import dev.overlayd.containers.docker.DockerException;
import dev.overlayd.containers.docker.DockerFollower;
import dev.overlayd.containers.docker.NetworkInfo;

/**
 * Connects the containers of this host to the overlay's Docker network. It follows dockerd's
 * container events and resyncs fully at start and on every reconnect: a container is connected when
 * it is created, so Docker gives it the interface before its process starts (and again on each
 * restart, from the endpoint config it keeps). That holds when the start comes later than dockerd
 * takes for the connect (7-10 ms), as with the ECS agent's create, then start; docker run's start
 * comes sooner and may take the container first, and then the interface comes just after the
 * process starts: such a container, and one missed at create and connected when it starts, is
 * logged as late. When overlayd is also dockerd's authorization plugin, a start waits for
 * {@link #ready}, and no container starts before the agent has dealt with it. Addresses come from the {@link AddressAllocator}, which frees them when a
 * container is removed. When dockerd is absent or restarting, that is said once and retried with a
 * backoff (0.5 s doubling to 30 s); the overlay itself does not depend on dockerd.
 *
 * <p>Everything that talks to dockerd runs on the agent's one thread (its {@link DockerFollower}'s), in order.
 */
public final class AttachAgent implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(AttachAgent.class.getName());
    static final List<String> ACTIONS = List.of("create", "start", "die", "destroy");

    private enum Trigger { RESYNC, CREATE, START }

    private final DockerClient docker;
    private final AttachPolicy policy;
    private final OverlayNetwork network;
    private final AddressAllocator allocator;
    private final Clock clock;
    private final DockerFollower follower;
    private final Map<String, ContainersStatus.Attached> attached = new ConcurrentHashMap<>();
    private final Map<String, ContainersStatus.Skipped> skipped = new ConcurrentHashMap<>();

    // Agent thread only.
    private String networkId;

    public AttachAgent(DockerClient docker, AttachPolicy policy, OverlayNetwork network, AddressAllocator allocator, Clock clock) {
        this.docker = docker;
        this.policy = policy;
        this.network = network;
        this.allocator = allocator;
        this.clock = clock;
        this.follower = new DockerFollower(docker, List.of("container"), ACTIONS, "containers-agent", LOG, "containers",
                "containers are not attached meanwhile (the overlay itself keeps working)",
                new DockerFollower.Listener(() -> networkId = ensureNetwork(), this::resync, this::onEvent,
                        () -> ", network " + network.name() + "; " + attached.size() + " attached, " + skipped.size()
                                + " skipped"));
    }

    /** Starts watching dockerd; returns at once (dockerd need not be up). */
    public void start() {
        follower.start();
    }

    public ContainersStatus status() {
        return new ContainersStatus(network.name(), network.subnet().toString(), follower.state(),
                attached.values().stream().sorted(Comparator.comparing(ContainersStatus.Attached::name)).toList(),
                skipped.values().stream().sorted(Comparator.comparing(ContainersStatus.Skipped::name)).toList());
    }

    /** The containers on the overlay now, for the node's metrics. */
    public int attachedCount() {
        return attached.size();
    }

    /** The containers left off the overlay (opted out, another network mode), for the node's metrics. */
    public int skippedCount() {
        return skipped.size();
    }

    @Override
    public void close() {
        follower.close();
    }

    /**
     * The network's id: the one there, when it is ours (driver and subnet); one made when there is
     * none, or in place of a wrong one that no container uses. A wrong one in use is an error that
     * names what to do, retried like an absent dockerd.
     */
    private String ensureNetwork() throws IOException {
        Optional<NetworkInfo> existing = docker.network(network.name()).filter(n -> n.name().equals(network.name()));
        if (existing.isPresent()) {
            NetworkInfo n = existing.get();
            if (n.driver().equals(network.driver()) && n.subnets().equals(List.of(network.subnet().toString()))) {
                return n.id();
            }
            if (!n.containers().isEmpty()) {
                throw new IOException("Docker network " + network.name() + " has driver " + n.driver() + " and subnets "
                        + n.subnets() + ", not driver " + network.driver() + " with subnet " + network.subnet()
                        + ", and containers are on it: remove it (docker network rm " + network.name()
                        + ") or set containers.network to another name");
            }
            LOG.warning("containers: Docker network " + network.name() + " had driver " + n.driver() + " and subnets "
                    + n.subnets() + "; recreated with driver " + network.driver() + " and subnet " + network.subnet());
            docker.removeNetwork(n.id());
        }
        try {
            return docker.createNetwork(network.name(), network.driver(), network.subnet(), network.gateway());
        } catch (DockerException e) {
            throw new IOException("cannot create Docker network " + network.name() + ": " + e.getMessage(), e);
        }
    }

    /** Every container there is considered; what is known of those gone is dropped, their addresses freed. */
    private void resync() throws IOException {
        List<String> ids = docker.containerIds();
        Set<String> existing = Set.copyOf(ids);
        allocator.retainOnly(existing);
        attached.keySet().retainAll(existing);
        skipped.keySet().retainAll(existing);
        for (String id : ids) {
            try {
                consider(id, Trigger.RESYNC);
            } catch (DockerException e) {
                // One container's refusal is its own; dockerd gone ends the resync (a plain IOException).
                LOG.warning("containers: container " + shortId(id) + ": " + e.getMessage());
            }
        }
    }

    private void onEvent(DockerEvent event) {
        if (!event.type().equals("container") || event.id().isEmpty()) {
            return;
        }
        try {
            switch (event.action()) {
                case "create" -> attachCreated(event);
                case "start" -> {
                    if (!state(event.id(), "running")) {
                        consider(event.id(), Trigger.START);
                    }
                }
                case "die" -> state(event.id(), "exited");
                case "destroy" -> forget(event.id());
                default -> { }
            }
        } catch (DockerException e) {
            LOG.warning("containers: " + event.action() + " of container " + shortId(event.id()) + ": " + e.getMessage());
        } catch (IOException e) {
            // dockerd is going: the stream's end says so, once; the resync after the reconnect redoes this.
            LOG.fine("containers: " + event.action() + " of container " + shortId(event.id()) + ": " + e.getMessage());
        }
    }

    /** Sets an attached container's state; false when it is not attached. */
    private boolean state(String id, String state) {
        ContainersStatus.Attached a = attached.get(id);
        if (a == null) {
            return false;
        }
        attached.put(id, new ContainersStatus.Attached(a.name(), a.id(), a.address(), state, now()));
        return true;
    }

    /**
     * A container just created is connected at once: the start may follow within a round trip
     * (docker run), and a connect that comes after the start adds the interface to a running
     * process. So the labels are taken from the event, the address from the allocator alone, and
     * the inspect that checks the rest (network mode, state) comes after the connect; whatever
     * fails there is redone the slow way by {@link #consider}.
     */
    private void attachCreated(DockerEvent event) throws IOException {
        String id = event.id();
        if (dealtWith(id)) {
            // A start held by the authorization plugin came first, and had it attached (or skipped).
            return;
        }
        // A create event's attributes are the container's labels, plus its name and image.
        ContainerInfo fromEvent = new ContainerInfo(id, event.attributes().getOrDefault("name", id), event.attributes(),
                "default", "created", Map.of(), null);
        if (policy.skipReason(fromEvent).isPresent()) {
            consider(id, Trigger.CREATE);
            return;
        }
        InetAddress address;
        try {
            address = allocator.allocate(id, List.of());
            docker.connect(networkId, id, address);
        } catch (SubnetExhaustedException | DockerException e) {
            allocator.release(id);
            consider(id, Trigger.CREATE);
            return;
        }
        Instant connected = clock.instant();
        Optional<ContainerInfo> found = docker.container(id);
        if (found.isEmpty()) {
            forget(id);
            return;
        }
        ContainerInfo container = found.get();
        Optional<String> reason = policy.skipReason(container);
        if (reason.isPresent()) {
            docker.disconnect(networkId, id);
            allocator.release(id);
            markSkipped(container, reason.get());
            return;
        }
        // Said before the status shows it: whoever sees it attached can see whether it was late.
        if (container.startedAt() != null && container.startedAt().isBefore(connected)) {
            logLate(container, address, "its start came before the connect at create was done");
        } else {
            LOG.info("containers: " + container.name() + " attached at " + address.getHostAddress());
        }
        markAttached(container, address);
    }

    /**
     * Completes once this agent has dealt with the container named (its id or name, as a start
     * request has it): connected it, found it skipped, or failed at it (the stage fails). One not
     * yet seen, because its create event is still to come, is considered now, as at its create;
     * the event, handled later on the same thread, then finds it done: the agent's one thread is
     * what keeps a container from being attached twice. A name that is no container completes at
     * once (dockerd refuses that start itself).
     */
    public CompletionStage<Void> ready(String idOrName) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        boolean queued = follower.execute(() -> {
            try {
                settle(idOrName);
                done.complete(null);
            } catch (IOException | RuntimeException e) {
                done.completeExceptionally(e);
            }
        });
        if (!queued) {
            done.completeExceptionally(new IOException("the attach agent is closed"));
        }
        return done;
    }

    private void settle(String idOrName) throws IOException {
        if (!follower.watching()) {
            throw new IOException("not watching dockerd (" + follower.state() + ")");
        }
        Optional<ContainerInfo> found = docker.container(idOrName);
        if (found.isPresent() && !dealtWith(found.get().id())) {
            // Not started yet: the start waits for this.
            consider(found.get(), Trigger.CREATE);
        }
    }

    private boolean dealtWith(String id) {
        return attached.containsKey(id) || skipped.containsKey(id);
    }

    private void consider(String id, Trigger trigger) throws IOException {
        Optional<ContainerInfo> found = docker.container(id);
        if (found.isEmpty()) {
            forget(id);
            return;
        }
        consider(found.get(), trigger);
    }

    private void consider(ContainerInfo container, Trigger trigger) throws IOException {
        String id = container.id();
        if (container.networks().containsKey(network.name())) {
            InetAddress address = container.networks().get(network.name());
            allocator.adopt(id, address);
            markAttached(container, address);
            return;
        }
        Optional<String> reason = policy.skipReason(container);
        if (reason.isPresent()) {
            allocator.release(id);
            markSkipped(container, reason.get());
            return;
        }
        InetAddress address;
        try {
            address = allocator.allocate(id, inUse());
        } catch (SubnetExhaustedException e) {
            if (markSkipped(container, e.getMessage())) {
                LOG.warning("containers: " + container.name() + " runs without the overlay: " + e.getMessage());
            }
            return;
        }
        try {
            docker.connect(networkId, id, address);
        } catch (DockerException e) {
            allocator.release(id);
            // Removed meanwhile, or being removed (dockerd refuses to connect a container "marked for
            // removal"): there is nothing to put on the overlay, as for one already gone.
            Optional<ContainerInfo> now = docker.container(id);
            if (now.isEmpty() || now.get().state().equals("removing")) {
                forget(id);
                return;
            }
            if (markSkipped(container, "connecting it failed: " + e.getMessage())) {
                LOG.warning("containers: " + container.name() + " runs without the overlay: connecting it failed: " + e.getMessage());
            }
            return;
        }
        if (trigger == Trigger.START) {
            logLate(container, address, "missed at create, connected when it started");
        } else if (container.state().equals("running")) {
            logLate(container, address, "it was running unattached");
        } else {
            LOG.info("containers: " + container.name() + " attached at " + address.getHostAddress());
        }
        markAttached(container, address);
    }

    private static void logLate(ContainerInfo container, InetAddress address, String why) {
        LOG.warning("containers: " + container.name() + " attached late at " + address.getHostAddress() + ": " + why
                + "; its process may have begun without the overlay");
    }

    /** Addresses on the network that Docker reports and the allocator may not know (an --ip given by hand). */
    private Collection<InetAddress> inUse() throws IOException {
        return docker.network(networkId).map(n -> n.containers().values().stream()
                .filter(a -> a != null).toList()).orElse(List.of());
    }

    private void markAttached(ContainerInfo container, InetAddress address) {
        skipped.remove(container.id());
        String shown = address == null ? null : address.getHostAddress();
        ContainersStatus.Attached had = attached.get(container.id());
        if (had == null || !had.state().equals(container.state()) || !Objects.equals(had.address(), shown)) {
            attached.put(container.id(), new ContainersStatus.Attached(container.name(), container.id(), shown,
                    container.state(), now()));
        }
    }

    /** True when this is news: the container was not skipped, or for another reason. */
    private boolean markSkipped(ContainerInfo container, String reason) {
        attached.remove(container.id());
        ContainersStatus.Skipped had = skipped.get(container.id());
        if (had != null && had.reason().equals(reason)) {
            return false;
        }
        skipped.put(container.id(), new ContainersStatus.Skipped(container.name(), container.id(), reason, now()));
        return true;
    }

    /** The address is freed first: once the status no longer shows the container, its address is free. */
    private void forget(String id) throws IOException {
        allocator.release(id);
        attached.remove(id);
        skipped.remove(id);
    }

    private long now() {
        return clock.instant().getEpochSecond();
    }

    private static String shortId(String id) {
        return id.length() > 12 ? id.substring(0, 12) : id;
    }
}
