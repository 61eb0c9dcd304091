package dev.overlayd.node.control;

import java.util.List;

/**
 * One member as `overlayctl members` reports it.
 *
 * @param state    "self" for the node asked, "member" for the others it has admitted
 * @param notAfter when its certificate expires, seconds since the epoch
 * @param endpoint "address:port" as this node knows it; null when unknown
 */
public record MemberStatus(String name, String kind, String state, String address, String subnet, String endpoint,
                           List<String> groups, long notAfter, String publicKey) {
    public MemberStatus {
        groups = List.copyOf(groups);
    }
}
