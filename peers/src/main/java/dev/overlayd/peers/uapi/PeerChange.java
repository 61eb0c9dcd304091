package dev.overlayd.peers.uapi;

import java.net.InetSocketAddress;
import java.util.List;
import java.util.Objects;
import dev.overlayd.noise.PresharedKey;
import dev.overlayd.noise.PublicKey;

/**
 * One peer block of a set request, from its {@code public_key} line to the next one. The same key
 * may appear in several blocks of one request; they apply in order.
 *
 * <p>How the device applies it, following wireguard-go so that `wg` behaves the same against us:
 * <ul>
 * <li>{@code remove}: the peer goes away and every other field of the block is ignored, whatever
 *     the order of the lines was (a removed peer has nothing left to update).</li>
 * <li>{@code updateOnly}: when the peer does not exist, the whole block is ignored instead of
 *     creating it.</li>
 * <li>otherwise the peer is created if new, then the non-null fields replace its settings, then,
 *     if {@code replaceAllowedIps}, all its prefixes go, then {@code allowedIps} apply in order.</li>
 * </ul>
 *
 * @param presharedKey               null = unchanged; {@link PresharedKey#NONE} (all zeros) removes it
 * @param endpoint                   null = unchanged
 * @param persistentKeepaliveSeconds null = unchanged; 0 turns it off
 * @param replaceAllowedIps          remove every prefix of the peer before applying {@code allowedIps}.
 *                                   The parser drops lines that came before a {@code replace_allowed_ips}
 *                                   line in the same block, since the replacement would undo them anyway.
 * @param allowedIps                 additions and removals, in the order they were sent
 */
public record PeerChange(PublicKey publicKey, boolean remove, boolean updateOnly, PresharedKey presharedKey,
                         InetSocketAddress endpoint, Integer persistentKeepaliveSeconds,
                         boolean replaceAllowedIps, List<AllowedIpChange> allowedIps) {

    public PeerChange {
        Objects.requireNonNull(publicKey, "publicKey");
        if (persistentKeepaliveSeconds != null && (persistentKeepaliveSeconds < 0 || persistentKeepaliveSeconds > 0xffff)) {
            throw new IllegalArgumentException("persistent keepalive out of range: " + persistentKeepaliveSeconds);
        }
        allowedIps = List.copyOf(allowedIps);
    }
}
