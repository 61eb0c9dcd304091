package dev.overlayd.node.control;

/**
 * Who a peer is, as far as this daemon knows.
 *
 * @param name              from the configuration's {@code # Name =} line or the member's certificate
 * @param member            in cluster mode, what the certificate makes the peer: "node" or "static host";
 *                          null otherwise
 * @param certificateExpiry in cluster mode, when the peer's certificate expires, in seconds since the
 *                          epoch; null otherwise
 */
public record PeerIdentity(String name, String member, Long certificateExpiry) {
    /** A peer known by name alone (wg-quick mode); null for no name. */
    public static PeerIdentity named(String name) {
        return name == null ? null : new PeerIdentity(name, null, null);
    }
}
