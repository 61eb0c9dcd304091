package dev.overlayd.peers.uapi;

import java.util.Objects;
import dev.overlayd.peers.IpPrefix;

/**
 * One {@code allowed_ip} line of a set request: add the prefix to the peer, or with a leading '-'
 * remove it (only if this peer owns exactly that prefix).
 */
public record AllowedIpChange(IpPrefix prefix, boolean remove) {

    public AllowedIpChange {
        Objects.requireNonNull(prefix, "prefix");
    }

    public static AllowedIpChange add(IpPrefix prefix) {
        return new AllowedIpChange(prefix, false);
    }

    public static AllowedIpChange remove(IpPrefix prefix) {
        return new AllowedIpChange(prefix, true);
    }
}
