package dev.overlayd.peers.uapi;

import java.util.List;
import dev.overlayd.noise.PrivateKey;
import dev.overlayd.noise.PublicKey;

/**
 * A whole UAPI set request, parsed and validated before anything of it is applied, so that the
 * device can apply it atomically.
 *
 * <p>Device fields apply first: {@code privateKey}, then {@code listenPort} and {@code fwmark}, then
 * {@code replacePeers} (remove every peer), then the peer changes in order.
 *
 * @param privateKey   null = unchanged; an all-zero key clears it (the device then has no identity)
 * @param listenPort   null = unchanged; 0 asks for any free port
 * @param fwmark       null = unchanged; the 32 bits of the mark, unsigned; 0 turns it off
 * @param replacePeers remove every existing peer before applying {@code peers}
 * @param peers        peer blocks in the order they were sent
 */
public record SetRequest(PrivateKey privateKey, Integer listenPort, Integer fwmark, boolean replacePeers,
                         List<PeerChange> peers) {

    public SetRequest {
        if (listenPort != null && (listenPort < 0 || listenPort > 0xffff)) {
            throw new IllegalArgumentException("listen port out of range: " + listenPort);
        }
        peers = List.copyOf(peers);
    }

    /**
     * The device's public key once this request's {@code private_key} (if any) is in place, or null
     * when the device will have no private key.
     *
     * @param current the device's private key before the request, or null when it has none
     */
    public PublicKey ownPublicKeyAfter(PrivateKey current) {
        PrivateKey key = privateKey != null ? privateKey : current;
        return key == null || key.isZero() ? null : key.publicKey();
    }

    /**
     * This request without the peer blocks naming the device's own public key, which wireguard-go
     * ignores (a device cannot be its own peer). The device calls this under the same lock as it
     * applies the request, because only then does it know its key for certain: another connection
     * may change it between the parse and the apply.
     *
     * @param current the device's private key before the request, or null when it has none
     */
    public SetRequest ignoringOwnKey(PrivateKey current) {
        PublicKey own = ownPublicKeyAfter(current);
        if (own == null || peers.stream().noneMatch(p -> p.publicKey().equals(own))) {
            return this;
        }
        List<PeerChange> others = peers.stream().filter(p -> !p.publicKey().equals(own)).toList();
        return new SetRequest(privateKey, listenPort, fwmark, replacePeers, others);
    }
}
