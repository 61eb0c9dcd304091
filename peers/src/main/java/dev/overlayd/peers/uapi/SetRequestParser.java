package dev.overlayd.peers.uapi;

import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;
import dev.overlayd.noise.PresharedKey;
import dev.overlayd.noise.PrivateKey;
import dev.overlayd.noise.PublicKey;

/**
 * Turns the key=value lines of one set request into a {@link SetRequest}, enforcing the rules
 * wireguard-go enforces, with the same errnos: a line without '=' is EPROTO; an unknown key, a
 * device key after the first public_key, or a bad value is EINVAL.
 *
 * <p>Unlike wireguard-go, which applies each line as it reads it and so leaves a half-applied
 * configuration behind when a later line is bad, nothing is applied here: the first error is kept,
 * the remaining lines are only consumed (so the connection stays in step), and the caller applies
 * the request only when the whole of it was valid.
 */
final class SetRequestParser {
    private UapiException error;

    private PrivateKey privateKey;
    private Integer listenPort;
    private Integer fwmark;
    private boolean replacePeers;
    private final List<PeerChange> peers = new ArrayList<>();
    private PeerBlock peer;

    /** One line of the request, without its newline; the empty line that ends it is not passed. */
    void line(String line) {
        if (error != null) {
            return;
        }
        try {
            parse(line);
        } catch (UapiException e) {
            error = e;
        }
    }

    /** The request, or the first error of its lines. */
    SetRequest finish() throws UapiException {
        if (error != null) {
            throw error;
        }
        endPeer();
        return new SetRequest(privateKey, listenPort, fwmark, replacePeers, peers);
    }

    private void parse(String line) throws UapiException {
        int eq = line.indexOf('=');
        if (eq < 0) {
            // The line itself is not logged: it might be a key whose '=' got lost.
            throw new UapiException(Errno.EPROTO, "line without '=' (" + line.length() + " characters)");
        }
        String key = line.substring(0, eq);
        String value = line.substring(eq + 1);
        if (key.equals("public_key")) {
            endPeer();
            peer = new PeerBlock(parseKey(value, "public_key", PublicKey::fromHex));
        } else if (peer == null) {
            deviceLine(key, value);
        } else {
            peer.line(key, value);
        }
    }

    private void deviceLine(String key, String value) throws UapiException {
        switch (key) {
            case "private_key" -> privateKey = parseKey(value, "private_key", PrivateKey::fromHex);
            case "listen_port" -> listenPort = (int) UapiValues.parseUnsigned(value, 0xffff, "listen_port");
            case "fwmark" -> fwmark = (int) UapiValues.parseUnsigned(value, 0xffff_ffffL, "fwmark");
            case "replace_peers" -> replacePeers = parseTrue(value, "replace_peers");
            default -> throw new UapiException(Errno.EINVAL, "unknown device key " + printable(key));
        }
    }

    private void endPeer() {
        if (peer != null) {
            peers.add(peer.build());
            peer = null;
        }
    }

    /** The lines of one peer block, gathered until the next public_key or the end. */
    private static final class PeerBlock {
        private final PublicKey publicKey;
        private boolean remove;
        private boolean updateOnly;
        private PresharedKey presharedKey;
        private InetSocketAddress endpoint;
        private Integer persistentKeepalive;
        private boolean replaceAllowedIps;
        private final List<AllowedIpChange> allowedIps = new ArrayList<>();

        PeerBlock(PublicKey publicKey) {
            this.publicKey = publicKey;
        }

        void line(String key, String value) throws UapiException {
            switch (key) {
                case "remove" -> remove = parseTrue(value, "remove");
                case "update_only" -> updateOnly = parseTrue(value, "update_only");
                case "preshared_key" -> {
                    PresharedKey psk = parseKey(value, "preshared_key", PresharedKey::fromHex);
                    presharedKey = psk.isZero() ? PresharedKey.NONE : psk;
                }
                case "endpoint" -> endpoint = UapiValues.parseEndpoint(value);
                case "persistent_keepalive_interval" -> persistentKeepalive =
                        (int) UapiValues.parseUnsigned(value, 0xffff, "persistent_keepalive_interval");
                case "replace_allowed_ips" -> {
                    replaceAllowedIps = parseTrue(value, "replace_allowed_ips");
                    // wireguard-go clears the peer's prefixes at this line, undoing earlier lines too.
                    allowedIps.clear();
                }
                case "allowed_ip" -> allowedIps.add(UapiValues.parseAllowedIp(value));
                case "protocol_version" -> {
                    if (!value.equals("1")) {
                        throw new UapiException(Errno.EINVAL, "unsupported protocol_version " + printable(value));
                    }
                }
                default -> throw new UapiException(Errno.EINVAL, "unknown peer key " + printable(key)
                        + " (device keys must come before the first public_key)");
            }
        }

        PeerChange build() {
            return new PeerChange(publicKey, remove, updateOnly, presharedKey, endpoint, persistentKeepalive,
                    replaceAllowedIps, allowedIps);
        }
    }

    private interface KeyParser<K> {
        K parse(String hex);
    }

    private static <K> K parseKey(String value, String what, KeyParser<K> parser) throws UapiException {
        try {
            return parser.parse(value);
        } catch (IllegalArgumentException e) {
            throw new UapiException(Errno.EINVAL, what + " is not 64 hex digits");
        }
    }

    /** wireguard-go accepts exactly "true" for its flags; "false" is an error, not a no-op. */
    private static boolean parseTrue(String value, String what) throws UapiException {
        if (!value.equals("true")) {
            throw new UapiException(Errno.EINVAL, what + " must be true, not " + printable(value));
        }
        return true;
    }

    /** Keys and short values are safe to log; anything long might be key material. */
    private static String printable(String text) {
        if (text.length() > 32) {
            return "(" + text.length() + " characters)";
        }
        // Control characters from a client must not forge lines in the daemon's log.
        StringBuilder out = new StringBuilder(text.length() + 2).append('"');
        text.chars().forEach(c -> out.append(c >= 0x20 && c < 0x7f ? (char) c : '?'));
        return out.append('"').toString();
    }
}
