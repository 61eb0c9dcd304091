package dev.overlayd.node.config;

import java.io.IOException;
import dev.overlayd.peers.HostPort;
import java.io.InputStream;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import dev.overlayd.noise.PresharedKey;
import dev.overlayd.noise.PrivateKey;
import dev.overlayd.noise.PublicKey;
import dev.overlayd.peers.IpPrefix;

/**
 * A wg-quick configuration file ({@code /etc/wireguard/wg0.conf}) as overlayd reads it: an
 * {@code [Interface]} section and {@code [Peer]} sections of {@code Key = Value} lines. Section and key
 * names are case-insensitive, {@code #} starts a comment (also after a value), Address and AllowedIPs
 * take comma-separated lists and accumulate when repeated. wg-quick keys that act on the host (DNS,
 * Table, Pre/PostUp, Pre/PostDown, SaveConfig, FwMark) are refused rather than ignored: overlayd never
 * runs commands from a configuration file, and silently dropping the rest would leave the tunnel
 * different from what the file says.
 *
 * <p>A peer may be named by a comment inside its section, {@code # Name = db1} or {@code #Name: db1}.
 *
 * <p>Nothing here resolves host names: an Endpoint is checked for form and kept as written.
 *
 * @see #parse(Path)
 */
public record WgQuickConfig(Interface iface, List<PeerConfig> peers) {

    /** Larger files are refused unread: a configuration is a few kilobytes, and this bounds the memory. */
    static final int MAX_FILE_BYTES = 1 << 20;

    public WgQuickConfig {
        Objects.requireNonNull(iface, "iface");
        peers = List.copyOf(peers);
    }

    /** The peers that have a {@code # Name =} line, by key. */
    public Map<PublicKey, String> peerNames() {
        Map<PublicKey, String> names = new HashMap<>();
        for (PeerConfig peer : peers) {
            if (peer.name() != null) {
                names.put(peer.publicKey(), peer.name());
            }
        }
        return names;
    }

    /**
     * Reads and parses a file; messages name the file by its file name (e.g. {@code wg0.conf:7: ...}).
     */
    public static WgQuickConfig parse(Path file) throws ConfigException {
        Path fileName = file.getFileName();
        String name = fileName != null ? fileName.toString() : file.toString();
        byte[] bytes;
        try (InputStream in = Files.newInputStream(file)) {
            bytes = in.readNBytes(MAX_FILE_BYTES + 1);
        } catch (NoSuchFileException e) {
            throw new ConfigException(name, 0, "no such file");
        } catch (AccessDeniedException e) {
            throw new ConfigException(name, 0, "permission denied");
        } catch (IOException e) {
            throw new ConfigException(name, 0, "cannot be read (" + e.getClass().getSimpleName() + ")");
        }
        try {
            if (bytes.length > MAX_FILE_BYTES) {
                throw new ConfigException(name, 0, "is larger than 1 MiB, too large for a wg-quick configuration");
            }
            String text;
            try {
                text = StandardCharsets.UTF_8.newDecoder()
                        .onMalformedInput(CodingErrorAction.REPORT)
                        .onUnmappableCharacter(CodingErrorAction.REPORT)
                        .decode(ByteBuffer.wrap(bytes))
                        .toString();
            } catch (CharacterCodingException e) {
                throw new ConfigException(name, 0, "is not valid UTF-8 text");
            }
            return parse(name, text);
        } finally {
            // The raw bytes hold the private key; the String cannot be wiped, but this copy can.
            Arrays.fill(bytes, (byte) 0);
        }
    }

    /** Parses configuration text; {@code name} is what messages call the file. */
    public static WgQuickConfig parse(String name, String text) throws ConfigException {
        return new WgQuickParser(name).parse(text);
    }

    /**
     * The {@code [Interface]} section. {@code listenPort} is null when absent (0 means any port, as
     * written); {@code mtu} is null when absent.
     */
    public record Interface(PrivateKey privateKey, Integer listenPort, List<InterfaceAddress> addresses, Integer mtu) {
        public Interface {
            Objects.requireNonNull(privateKey, "privateKey");
            addresses = List.copyOf(addresses);
        }

        /** Never prints the private key, whatever {@link PrivateKey#toString()} does. */
        @Override
        public String toString() {
            return "Interface[privateKey=(hidden), listenPort=" + listenPort + ", addresses=" + addresses
                    + ", mtu=" + mtu + "]";
        }
    }

    /**
     * An interface address with its prefix length as written: {@code 100.64.0.1/24} is the address
     * 100.64.0.1 on the on-link network 100.64.0.0/24 (an {@link IpPrefix} would mask it to .0). A bare
     * address has the full length (/32 or /128), as {@code ip address add} gives it. An IPv4-mapped IPv6
     * address stays an {@link Inet6Address}.
     */
    public record InterfaceAddress(InetAddress address, int bits) {
        public InterfaceAddress {
            Objects.requireNonNull(address, "address");
            int max = address.getAddress().length * 8;
            if (bits < 0 || bits > max) {
                throw new IllegalArgumentException("prefix length " + bits + " out of range 0.." + max);
            }
        }

        public boolean isIpv4() {
            return address.getAddress().length == 4;
        }

        /** The on-link network, host bits cleared. */
        public IpPrefix network() {
            return new IpPrefix(address.getAddress(), bits);
        }

        /** "100.64.0.1/24", "fd00::1/64" (RFC 5952 text, as {@link IpPrefix} prints). */
        @Override
        public String toString() {
            byte[] raw = address.getAddress();
            String host = new IpPrefix(raw, raw.length * 8).toString();
            return host.substring(0, host.lastIndexOf('/')) + "/" + bits;
        }
    }

    /**
     * A {@code [Peer]} section. {@code name} (from a {@code # Name = ...} comment), {@code presharedKey},
     * {@code endpoint} and {@code persistentKeepalive} are null when absent; an all-zero PresharedKey
     * means none (as in wg) and is null too. {@code persistentKeepalive} is 0 for {@code off}. The
     * endpoint is as written, {@code host:port} or {@code [v6]:port}, unresolved.
     */
    public record PeerConfig(String name, PublicKey publicKey, PresharedKey presharedKey, String endpoint,
            List<IpPrefix> allowedIps, Integer persistentKeepalive) {
        public PeerConfig {
            Objects.requireNonNull(publicKey, "publicKey");
            allowedIps = List.copyOf(allowedIps);
        }

        /** The endpoint's host without brackets ("vpn.example.com", "fd00::1"), or null without an endpoint. */
        public String endpointHost() {
            if (endpoint == null) {
                return null;
            }
            return HostPort.parse(endpoint).host();
        }

        /** The endpoint's port, or 0 without an endpoint. */
        public int endpointPort() {
            return endpoint == null ? 0 : HostPort.parse(endpoint).port();
        }

        /** Never prints the preshared key, whatever {@link PresharedKey#toString()} does. */
        @Override
        public String toString() {
            return "PeerConfig[name=" + name + ", publicKey=" + publicKey
                    + ", presharedKey=" + (presharedKey == null ? "none" : "(hidden)")
                    + ", endpoint=" + endpoint + ", allowedIps=" + allowedIps
                    + ", persistentKeepalive=" + persistentKeepalive + "]";
        }
    }
}
