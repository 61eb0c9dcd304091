package dev.overlayd.node.plugin;

import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.function.Consumer;
import io.micrometer.core.instrument.MeterRegistry;

/**
 * All a plugin sees of the running node. It is thread-safe; listeners are called from the node's
 * own threads, one call at a time, and must not block.
 */
public interface PluginContext {
    /** Who this node is, from its certificate. */
    NodeIdentity self();

    /** The other members this node has admitted (certificate checked), at this moment. */
    List<ClusterMember> members();

    /**
     * Follows the members: {@code listener} first hears every current member as {@link
     * MemberListener#joined}, then each change, until the subscription is closed. Any number of
     * listeners may follow at once.
     */
    Subscription onMembers(MemberListener listener);

    /** The WireGuard session with a member, by its name; empty when it is not a peer (yet). */
    Optional<PeerHealth> health(String member);

    /** The overlay interface's MTU now: it follows the interface, so read it when it matters. */
    int mtu();

    /**
     * Serves `overlayctl NAME` on the node's root-only control socket: the command's reply is
     * written as JSON. A name already taken (by the node or another plugin) is refused.
     */
    void addCommand(String name, ControlCommand command);

    /** A directory of this plugin's own that outlives restarts of the node (mode 0700). */
    Path stateDirectory();

    /**
     * Where the plugin registers its meters: they are the node's, served with the node's own at
     * {@code GET /metrics} when {@code metrics.listen} is set (counted all the same when it is not),
     * and removed when the plugin is closed. Name them as Micrometer does, {@code overlayd.<plugin>.<what>}
     * with the unit as the last word ({@code overlayd.edge.request.duration} in seconds is
     * {@code overlayd_edge_request_duration_seconds}); prefer a {@code FunctionCounter} or a
     * {@code Gauge} over a count the plugin keeps anyway to counting twice.
     */
    MeterRegistry metrics();

    /**
     * Publishes one of this node's records for this plugin (a null value withdraws it). Every node
     * hears it, through the membership backend, until this node withdraws it or leaves the cluster;
     * only this node can write it (it is signed with the node's key). Records are small: a key of
     * at most 200 printable ASCII characters without spaces, a value of at most 1024 bytes.
     *
     * @throws IllegalArgumentException for a key or value past those limits
     */
    void publish(String key, byte[] value) throws IOException;

    /**
     * Follows this plugin's records on every node, this one included: {@code listener} first hears
     * each member's records as they are now, then every change, each call with all of that member's
     * records (an empty map: none, or the member is gone).
     */
    Subscription onRecords(RecordListener listener);

    /** The members whose records this node knows it does not hold as they are yet, each with why; empty when settled. */
    Map<String, String> unsettled();

    /** Offers a service to the other plugins of this node (the service discovery's catalog, say), by its type. */
    <T> void provide(Class<T> type, T service);

    /**
     * {@code user} gets the service of that type as soon as a plugin provides it (at once when one
     * has), whichever plugin starts first.
     */
    <T> Subscription use(Class<T> type, Consumer<? super T> user);
}
