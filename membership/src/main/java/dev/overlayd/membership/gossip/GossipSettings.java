package dev.overlayd.membership.gossip;

import java.time.Duration;
import java.util.List;
import dev.overlayd.peers.HostPort;

/**
 * The embedded backend's knobs. Seeds are members' UDP endpoints to join through (any one that
 * answers will do), as addresses or host names; the TTL is how long a member that stopped beating
 * stays present; every interval each node beats to all members and syncs with one; gossip travels
 * inside the overlay, to each member's overlay address on {@code port}.
 */
public record GossipSettings(List<HostPort> seeds, Duration ttl, Duration interval, int port) {
    public static final int DEFAULT_PORT = 51821;
    public static final Duration DEFAULT_TTL = Duration.ofSeconds(10);
    public static final Duration DEFAULT_INTERVAL = Duration.ofSeconds(1);

    public GossipSettings {
        seeds = List.copyOf(seeds);
        if (ttl.compareTo(interval.multipliedBy(2)) < 0) {
            throw new IllegalArgumentException("the TTL (" + ttl.toMillis() + " ms) must be at least two heartbeat intervals ("
                    + interval.multipliedBy(2).toMillis() + " ms)");
        }
    }
}
