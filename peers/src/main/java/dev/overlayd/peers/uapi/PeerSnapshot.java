package dev.overlayd.peers.uapi;

import java.net.InetSocketAddress;
import java.util.List;
import java.util.Objects;
import dev.overlayd.noise.PresharedKey;
import dev.overlayd.noise.PublicKey;
import dev.overlayd.peers.IpPrefix;

/**
 * One peer as a UAPI {@code get} reports it.
 *
 * @param presharedKey               {@link PresharedKey#NONE} when the peer has none (null is taken as none)
 * @param endpoint                   the last known address of the peer, or null when it has none yet
 * @param lastHandshakeEpochNanos    wall-clock time of the last completed handshake in nanoseconds since
 *                                   the Unix epoch; 0 when there has been none
 * @param txBytes                    counters that `wg` reads as unsigned 64-bit numbers
 * @param persistentKeepaliveSeconds 0 when off, at most 65535 as in the protocol
 * @param allowedIps                 in insertion order, which is the order `wg` shows them in
 */
public record PeerSnapshot(PublicKey publicKey, PresharedKey presharedKey, InetSocketAddress endpoint,
                           long lastHandshakeEpochNanos, long txBytes, long rxBytes,
                           int persistentKeepaliveSeconds, List<IpPrefix> allowedIps) {

    public PeerSnapshot {
        Objects.requireNonNull(publicKey, "publicKey");
        presharedKey = presharedKey == null ? PresharedKey.NONE : presharedKey;
        // Negative times would be printed as numbers `wg` refuses to parse, failing the whole get.
        if (lastHandshakeEpochNanos < 0) {
            throw new IllegalArgumentException("handshake time before the epoch: " + lastHandshakeEpochNanos);
        }
        if (persistentKeepaliveSeconds < 0 || persistentKeepaliveSeconds > 0xffff) {
            throw new IllegalArgumentException("persistent keepalive out of range: " + persistentKeepaliveSeconds);
        }
        allowedIps = List.copyOf(allowedIps);
    }
}
