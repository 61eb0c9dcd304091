package dev.overlayd.node;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import dev.overlayd.membership.ClusterPeers;
import dev.overlayd.membership.identity.NodeCertificate;
import dev.overlayd.node.control.ControlProtocol;
import dev.overlayd.node.plugin.ClusterMember;
import dev.overlayd.node.plugin.ControlCommand;
import dev.overlayd.node.plugin.MemberListener;
import dev.overlayd.node.plugin.NodeIdentity;
import dev.overlayd.node.plugin.PeerHealth;
import dev.overlayd.node.plugin.PluginContext;
import dev.overlayd.node.plugin.Subscription;
import dev.overlayd.peers.Device;
import dev.overlayd.peers.Peer;

/**
 * One plugin's view of the running node. The members are those {@link ClusterPeers} configured
 * (admitted, certificate checked), never raw records. What the plugin subscribed to and the commands
 * it added are undone with {@link #release}, when the plugin is closed or failed to start.
 */
final class NodeContext implements PluginContext {
    private final NodeIdentity self;
    private final ClusterPeers peers;
    private final Device device;
    private final ControlProtocol control;
    private final Path stateDirectory;
    private final List<Subscription> subscriptions = new ArrayList<>();
    private final List<String> commands = new ArrayList<>();

    NodeContext(NodeIdentity self, ClusterPeers peers, Device device, ControlProtocol control, Path stateDirectory) {
        this.self = self;
        this.peers = peers;
        this.device = device;
        this.control = control;
        this.stateDirectory = stateDirectory;
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
        ClusterPeers.Watch watch = peers.watch(new ClusterPeers.Watcher() {
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
        Subscription subscription = watch::close;
        synchronized (this) {
            subscriptions.add(subscription);
        }
        return subscription;
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

    /** Closes the plugin's subscriptions and withdraws its commands. */
    synchronized void release() {
        subscriptions.forEach(Subscription::close);
        subscriptions.clear();
        commands.forEach(control::remove);
        commands.clear();
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
