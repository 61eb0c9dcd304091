package dev.overlayd.node.control;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * An interface as `overlayctl peers` reports it.
 *
 * @param publicKey null while the interface has no private key
 * @param drops     every drop on the interface, including those no peer is to blame for ("no_route")
 */
public record InterfaceStatus(String name, String publicKey, int listenPort, Map<String, Long> drops,
                              List<PeerStatus> peers) {
    public InterfaceStatus {
        // Kept in the order given (the order of Drop), so that output is stable.
        drops = Collections.unmodifiableMap(new LinkedHashMap<>(drops));
        peers = List.copyOf(peers);
    }
}
