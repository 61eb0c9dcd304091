package dev.overlayd.node.control;

import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * The cluster as one node sees it: `overlayctl members`. {@code drops}: what the membership backend
 * refused or could not take, by reason (forged records, junk, floods); empty when it counts none.
 */
public record ClusterStatus(String interfaceName, String cluster, String overlay, String backend,
                            List<MemberStatus> members, Map<String, Long> drops) {
    public ClusterStatus {
        members = List.copyOf(members);
        drops = drops == null ? Map.of() : Collections.unmodifiableMap(new TreeMap<>(drops));
    }

    public ClusterStatus(String interfaceName, String cluster, String overlay, String backend, List<MemberStatus> members) {
        this(interfaceName, cluster, overlay, backend, members, Map.of());
    }
}
