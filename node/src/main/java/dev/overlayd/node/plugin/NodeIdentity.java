package dev.overlayd.node.plugin;

import java.net.InetAddress;
import java.util.List;
import dev.overlayd.peers.IpPrefix;

/**
 * This node as its certificate says: its name, its address in the overlay, the subnet its
 * containers are addressed from (null when its certificate has none), its groups, and the overlay's
 * whole range; plus the name of the overlay interface it runs.
 */
public record NodeIdentity(String name, InetAddress address, IpPrefix containerSubnet, List<String> groups,
                           IpPrefix overlay, String interfaceName) {
    public NodeIdentity {
        groups = List.copyOf(groups);
    }
}
