package dev.overlayd.cli.control;

import java.util.List;

/** The cluster as one node sees it: `overlayctl members`. */
public record ClusterStatus(String interfaceName, String cluster, String overlay, String backend,
                            List<MemberStatus> members) {
    public ClusterStatus {
        members = List.copyOf(members);
    }
}
