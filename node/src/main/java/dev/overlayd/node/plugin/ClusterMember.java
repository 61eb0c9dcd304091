package dev.overlayd.node.plugin;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.List;
import dev.overlayd.peers.IpPrefix;

/**
 * Another member as its certificate says, once admitted: a cluster node or a static host (a stock
 * WireGuard host outside the cluster), its overlay address, the subnet routed to it (null when none),
 * its groups, and the underlay endpoint its WireGuard traffic comes from (null when not known).
 */
public record ClusterMember(String name, Kind kind, InetAddress address, IpPrefix subnet, List<String> groups,
                            InetSocketAddress endpoint) {
    public enum Kind { NODE, STATIC_HOST }

    public ClusterMember {
        groups = List.copyOf(groups);
    }
}
