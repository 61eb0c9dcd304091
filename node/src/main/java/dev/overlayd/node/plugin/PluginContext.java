package dev.overlayd.node.plugin;

import java.nio.file.Path;
import java.util.List;
import java.util.Optional;

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
}
