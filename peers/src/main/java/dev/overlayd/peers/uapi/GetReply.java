package dev.overlayd.peers.uapi;

import dev.overlayd.noise.PrivateKey;
import dev.overlayd.peers.IpPrefix;

/**
 * The body of a get reply, in the order and form wireguard-go writes it. `wg` parses it line by
 * line, so every detail matters: lowercase hex keys, no private key or port or fwmark line when
 * unset (a zero key would be shown as a real one), unsigned counters.
 */
final class GetReply {
    private GetReply() {}

    static String format(DeviceSnapshot device) {
        StringBuilder out = new StringBuilder(256 + 512 * device.peers().size());
        PrivateKey privateKey = device.privateKey();
        if (privateKey != null && !privateKey.isZero()) {
            line(out, "private_key", privateKey.toHex());
        }
        if (device.listenPort() != 0) {
            line(out, "listen_port", Integer.toString(device.listenPort()));
        }
        if (device.fwmark() != 0) {
            line(out, "fwmark", Integer.toUnsignedString(device.fwmark()));
        }
        for (PeerSnapshot peer : device.peers()) {
            line(out, "public_key", peer.publicKey().toHex());
            line(out, "preshared_key", peer.presharedKey().toHex());
            line(out, "protocol_version", "1");
            if (peer.endpoint() != null && !peer.endpoint().isUnresolved()) {
                line(out, "endpoint", UapiValues.formatEndpoint(peer.endpoint()));
            }
            long nanos = peer.lastHandshakeEpochNanos();
            line(out, "last_handshake_time_sec", Long.toString(nanos / 1_000_000_000L));
            line(out, "last_handshake_time_nsec", Long.toString(nanos % 1_000_000_000L));
            line(out, "tx_bytes", Long.toUnsignedString(peer.txBytes()));
            line(out, "rx_bytes", Long.toUnsignedString(peer.rxBytes()));
            line(out, "persistent_keepalive_interval", Integer.toString(peer.persistentKeepaliveSeconds()));
            for (IpPrefix prefix : peer.allowedIps()) {
                line(out, "allowed_ip", prefix.toString());
            }
        }
        return out.toString();
    }

    private static void line(StringBuilder out, String key, String value) {
        out.append(key).append('=').append(value).append('\n');
    }
}
