package dev.overlayd.node;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.TreeMap;
import java.util.function.Consumer;
import dev.overlayd.membership.ClusterPeers;
import dev.overlayd.membership.Membership;
import dev.overlayd.membership.identity.NodeCertificate;
import dev.overlayd.node.control.ControlProtocol;
import dev.overlayd.node.plugin.ClusterMember;
import dev.overlayd.node.plugin.ControlCommand;
import dev.overlayd.node.plugin.MemberListener;
import dev.overlayd.node.plugin.NodeIdentity;
import dev.overlayd.node.plugin.PeerHealth;
import dev.overlayd.node.plugin.PluginContext;
import dev.overlayd.node.plugin.RecordListener;
import dev.overlayd.node.plugin.Subscription;
import dev.overlayd.peers.Device;
import dev.overlayd.peers.Peer;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.composite.CompositeMeterRegistry;

/**
 * One plugin's view of the running node. The members are those {@link ClusterPeers} configured
 * (admitted, certificate checked), never raw records. What the plugin subscribed to and the commands
 * it added are undone with {@link #release}, when the plugin is closed or failed to start.
 */
final class NodeContext implements PluginContext {
    private final String section;
    private final NodeIdentity self;
    private final ClusterPeers peers;
    private final Membership membership;
    private final Device device;
    private final ControlProtocol control;
    private final PluginServices services;
    private final MeterRegistry nodeMetrics;
    /** The plugin's meters, made in the node's registry through this one, so that they go with the plugin. */
    private final CompositeMeterRegistry metrics = new CompositeMeterRegistry();
    private final Path stateDirectory;
    private final List<Subscription> subscriptions = new ArrayList<>();
    private final List<String> commands = new ArrayList<>();
    private final List<Class<?>> provided = new ArrayList<>();

    /** The plugin's records are the node's whose keys start with {@code <section>/}. */
    NodeContext(String section, NodeIdentity self, ClusterPeers peers, Membership membership, Device device,
                ControlProtocol control, PluginServices services, MeterRegistry nodeMetrics, Path stateDirectory) {
        this.section = section;
        this.self = self;
        this.peers = peers;
        this.membership = membership;
        this.device = device;
        this.control = control;
        this.services = services;
        this.nodeMetrics = nodeMetrics;
        this.stateDirectory = stateDirectory;
        metrics.add(nodeMetrics);
    }

    /** The plugin's state directory, {@code <state>/<section>}, made 0700 when it is not there. */
    static Path stateDirectory(Path state, String section) throws IOException {
        Path dir = state.resolve(section);
        if (!Files.isDirectory(dir)) {
            Files.createDirectories(dir, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        }
        return dir;
    }

    @Override
    public NodeIdentity self() {
        return self;
    }

    @Override
    public List<ClusterMember> members() {
        return peers.configured().stream().filter(this::other).map(NodeContext::member).toList();
    }

    @Override
    public Subscription onMembers(MemberListener listener) {
        return watch(new ClusterPeers.Watcher() {
            @Override
            public void configured(ClusterPeers.Configured member) {
                if (other(member)) {
                    listener.joined(member(member));
                }
            }

            @Override
            public void removed(ClusterPeers.Configured member, String why) {
                if (other(member)) {
                    listener.left(member(member), why);
                }
            }
        });
    }

    @Override
    public void publish(String key, byte[] value) throws IOException {
        membership.publish(prefix() + key, value);
    }

    @Override
    public Subscription onRecords(RecordListener listener) {
        Map<String, Map<String, byte[]>> told = new HashMap<>();
        return watch(new ClusterPeers.Watcher() {
            @Override
            public void configured(ClusterPeers.Configured member) {}

            @Override
            public void removed(ClusterPeers.Configured member, String why) {}

            @Override
            public void records(String member, Map<String, byte[]> records) {
                Map<String, byte[]> own = new TreeMap<>();
                records.forEach((key, value) -> {
                    if (key.startsWith(prefix())) {
                        own.put(key.substring(prefix().length()), value);
                    }
                });
                // Another plugin's records changing is no news to this one.
                if (!same(told.getOrDefault(member, Map.of()), own)) {
                    told.put(member, own);
                    listener.records(member, Collections.unmodifiableMap(own));
                }
            }
        });
    }

    @Override
    public Map<String, String> unsettled() {
        return membership.unsettled();
    }

    @Override
    public <T> void provide(Class<T> type, T service) {
        services.provide(type, service);
        synchronized (this) {
            provided.add(type);
        }
    }

    @Override
    public <T> Subscription use(Class<T> type, Consumer<? super T> user) {
        return keep(services.use(type, user));
    }

    private Subscription watch(ClusterPeers.Watcher watcher) {
        return keep(peers.watch(watcher)::close);
    }

    private synchronized Subscription keep(Subscription subscription) {
        subscriptions.add(subscription);
        return subscription;
    }

    private String prefix() {
        return section + "/";
    }

    private static boolean same(Map<String, byte[]> a, Map<String, byte[]> b) {
        if (a.size() != b.size()) {
            return false;
        }
        for (Map.Entry<String, byte[]> e : a.entrySet()) {
            if (!Arrays.equals(e.getValue(), b.get(e.getKey()))) {
                return false;
            }
        }
        return true;
    }

    @Override
    public Optional<PeerHealth> health(String member) {
        ClusterPeers.Configured c = peers.configured(member);
        Peer peer = c == null ? null : device.peer(c.certificate().publicKey());
        if (peer == null) {
            return Optional.empty();
        }
        long handshake = peer.lastHandshakeEpochNanos();
        return Optional.of(new PeerHealth(handshake == 0 ? null : Instant.ofEpochSecond(0, handshake),
                peer.rxBytes(), peer.txBytes()));
    }

    @Override
    public int mtu() {
        return device.mtu();
    }

    @Override
    public void addCommand(String name, ControlCommand command) {
        control.add(name, command);
        synchronized (this) {
            commands.add(name);
        }
    }

    @Override
    public Path stateDirectory() {
        return stateDirectory;
    }

    @Override
    public MeterRegistry metrics() {
        return metrics;
    }

    /** Closes the plugin's subscriptions and withdraws its commands, the services it provided and its meters. */
    synchronized void release() {
        // Removed through the composite, a meter goes from the node's registry too.
        metrics.getMeters().forEach(metrics::remove);
        metrics.remove(nodeMetrics);
        subscriptions.forEach(Subscription::close);
        subscriptions.clear();
        commands.forEach(control::remove);
        commands.clear();
        provided.forEach(services::withdraw);
        provided.clear();
    }

    private boolean other(ClusterPeers.Configured c) {
        return !c.member().name().equals(self.name());
    }

    private static ClusterMember member(ClusterPeers.Configured c) {
        NodeCertificate cert = c.certificate();
        return new ClusterMember(c.member().name(),
                cert.kind() == NodeCertificate.Kind.STATIC_HOST ? ClusterMember.Kind.STATIC_HOST : ClusterMember.Kind.NODE,
                cert.address(), cert.subnet(), cert.groups(), c.member().endpoint());
    }
}
