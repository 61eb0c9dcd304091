package dev.overlayd.peers.uapi;

import java.util.List;
import dev.overlayd.noise.PrivateKey;

/**
 * What a UAPI {@code get} reports about the device, taken at one moment so that the reply is
 * consistent even while peers handshake and count bytes in the background.
 *
 * @param privateKey the device's key, or null when none is set (a zero key counts as none too). A
 *                   device that wipes the keys it retires must hand out a copy here, or a get
 *                   racing a key change could print a wiped key.
 * @param listenPort the port actually bound, which differs from the requested one when that was 0;
 *                   0 when the device has no socket
 * @param fwmark     the 32 bits of the mark, unsigned as the UAPI prints them; 0 when off
 * @param peers      in the order the reply should list them
 */
public record DeviceSnapshot(PrivateKey privateKey, int listenPort, int fwmark, List<PeerSnapshot> peers) {

    public DeviceSnapshot {
        if (listenPort < 0 || listenPort > 0xffff) {
            throw new IllegalArgumentException("listen port out of range: " + listenPort);
        }
        peers = List.copyOf(peers);
    }
}
