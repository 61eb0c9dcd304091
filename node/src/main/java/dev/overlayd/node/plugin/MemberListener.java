package dev.overlayd.node.plugin;

/** What a plugin hears of the cluster through {@link PluginContext#onMembers}. */
public interface MemberListener {
    /** A member is admitted, or its record changed (a new endpoint, a renewed certificate). */
    void joined(ClusterMember member);

    /** A member is gone: it left, timed out, or was revoked ({@code why} says which, for logs). */
    void left(ClusterMember member, String why);
}
