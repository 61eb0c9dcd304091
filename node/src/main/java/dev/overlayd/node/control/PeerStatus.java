package dev.overlayd.node.control;

import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * One peer as `overlayctl peers` reports it, and as `--json` prints it.
 *
 * @param name                  from the configuration's {@code # Name =} line or the certificate; null when unknown
 * @param member                cluster mode: "node" or "static host", by the peer's certificate; else null
 * @param certificateExpiresIn  cluster mode: seconds until the peer's certificate expires, by the daemon's
 *                              clock (negative once expired); else null
 * @param endpoint              "address:port", null before the peer has one
 * @param latestHandshake       seconds since the epoch of the last completed handshake, null for never
 * @param secondsSinceHandshake by the daemon's clock, so that a client's clock does not matter; null for never
 * @param rxBitsPerSecond       averaged over the last few seconds
 * @param drops                 nonzero counts only, by reason in lower case ("replayed_counter")
 * @param verdict               "healthy", "no handshake for 3m" or "never connected"
 */
public record PeerStatus(String name, String member, Long certificateExpiresIn, String publicKey, String endpoint, List<String> allowedIps,
                         Long latestHandshake, Long secondsSinceHandshake, long rxBytes, long txBytes,
                         long rxBitsPerSecond, long txBitsPerSecond, Map<String, Long> drops, String verdict) {
    public PeerStatus {
        allowedIps = List.copyOf(allowedIps);
        // Kept in the order given (the order of Drop), so that output is stable.
        drops = Collections.unmodifiableMap(new LinkedHashMap<>(drops));
    }
}
