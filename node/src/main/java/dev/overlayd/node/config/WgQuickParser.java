package dev.overlayd.node.config;

import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import dev.overlayd.node.config.WgQuickConfig.Interface;
import dev.overlayd.node.config.WgQuickConfig.InterfaceAddress;
import dev.overlayd.node.config.WgQuickConfig.PeerConfig;
import dev.overlayd.noise.PresharedKey;
import dev.overlayd.noise.PrivateKey;
import dev.overlayd.noise.PublicKey;
import dev.overlayd.peers.HostPort;
import dev.overlayd.peers.IpPrefix;

/**
 * One pass over a wg-quick file. Every problem becomes a {@link ConfigException} whose text is built
 * here, never from a value that may be a secret: key values are never echoed, and other values only
 * when they cannot be a pasted key (see {@link #show}).
 */
final class WgQuickParser {

    /** Keys of the two sections, by lower-case name (wg accepts any case), to their usual spelling. */
    private static final Map<String, String> INTERFACE_KEYS = names("PrivateKey", "ListenPort", "Address", "MTU");
    private static final Map<String, String> PEER_KEYS =
            names("PublicKey", "PresharedKey", "Endpoint", "AllowedIPs", "PersistentKeepalive");
    /** wg-quick and wg keys that act on the host (or on routing) and that overlayd does not apply. */
    private static final Map<String, String> UNSUPPORTED_KEYS =
            names("DNS", "Table", "PreUp", "PostUp", "PreDown", "PostDown", "SaveConfig", "FwMark");

    /*
     * MTU bounds. The kernel would take an IPv4-only link down to 68 bytes, but RFC 791 only promises
     * that every IPv4 host handles 576-byte datagrams, and below that ordinary traffic (a 512-byte DNS
     * answer with its headers, TCP with options) stops fitting: 576 is the lowest MTU worth allowing.
     * IPv6 requires every link to carry 1280 bytes (RFC 8200 section 5), and Linux removes IPv6 from an
     * interface set below 1280, so an interface with an IPv6 Address must have an MTU of at least 1280.
     * 65535 is the largest packet an IPv4 header can describe (a 16-bit total length).
     */
    static final int MIN_MTU = 576;
    static final int MIN_MTU_IPV6 = 1280;
    static final int MAX_MTU = 65535;

    private static final Pattern NAME_COMMENT = Pattern.compile("#+\\s*name\\s*[=:](.*)", Pattern.CASE_INSENSITIVE);
    private static final Pattern SETTING_NAME = Pattern.compile("[A-Za-z][A-Za-z0-9_-]{0,31}");
    /** 40 or more base64 characters in a row: could be a key (44 characters, hex keys have 64). */
    private static final Pattern KEY_LIKE = Pattern.compile("[A-Za-z0-9+/=]{40,}");

    private enum Section { NONE, INTERFACE, PEER }

    private final String file;
    private int line;
    private Section section = Section.NONE;

    private int interfaceLine;
    private final Map<String, Integer> interfaceSeen = new HashMap<>();
    private PrivateKey privateKey;
    private Integer listenPort;
    private Integer mtu;
    private final Map<InterfaceAddress, Integer> addresses = new LinkedHashMap<>();

    private final List<PeerBuilder> peers = new ArrayList<>();
    private final Map<PublicKey, PeerBuilder> peersByKey = new HashMap<>();
    private final Map<String, PeerBuilder> peersByName = new HashMap<>();
    /** Each allowed prefix routes to one peer (in wg a later peer silently takes it), so a repeat is an error. */
    private final Map<IpPrefix, PeerBuilder> allowedOwners = new HashMap<>();

    private static final class PeerBuilder {
        final int headerLine;
        final Map<String, Integer> seen = new HashMap<>();
        final Map<IpPrefix, Integer> allowedIps = new LinkedHashMap<>();
        String name;
        int nameLine;
        PublicKey publicKey;
        PresharedKey presharedKey;
        String endpoint;
        Integer persistentKeepalive;

        PeerBuilder(int headerLine) {
            this.headerLine = headerLine;
        }

        /** "the [Peer] on line 12" or "the [Peer] db1 on line 12". */
        String label() {
            return "the [Peer] " + (name != null ? name + " " : "") + "on line " + headerLine;
        }

        PeerConfig build() {
            return new PeerConfig(name, publicKey, presharedKey, endpoint, List.copyOf(allowedIps.keySet()),
                    persistentKeepalive);
        }
    }

    WgQuickParser(String file) {
        this.file = file;
    }

    WgQuickConfig parse(String text) throws ConfigException {
        try {
            return parseLines(text);
        } catch (ConfigException | RuntimeException e) {
            wipe();
            throw e;
        }
    }

    private WgQuickConfig parseLines(String text) throws ConfigException {
        String[] lines = text.split("\\R", -1);
        for (int i = 0; i < lines.length; i++) {
            line = i + 1;
            String raw = i == 0 && lines[i].startsWith("\uFEFF") ? lines[i].substring(1) : lines[i];
            parseLine(raw.strip());
        }
        line = 0;
        closeSection();
        if (interfaceLine == 0) {
            throw error(0, "no [Interface] section");
        }
        PublicKey own = privateKey.publicKey();
        for (PeerBuilder peer : peers) {
            if (peer.publicKey.equals(own)) {
                throw error(peer.seen.get("PublicKey"),
                        "PublicKey is this interface's own public key (the one its PrivateKey gives)");
            }
        }
        if (mtu != null && mtu < MIN_MTU_IPV6) {
            for (InterfaceAddress address : addresses.keySet()) {
                if (!address.isIpv4()) {
                    throw error(interfaceSeen.get("MTU"), "MTU " + mtu + " is below " + MIN_MTU_IPV6
                            + ", the IPv6 minimum, and Address " + address + " is IPv6");
                }
            }
        }
        Interface iface = new Interface(privateKey, listenPort, List.copyOf(addresses.keySet()), mtu);
        return new WgQuickConfig(iface, peers.stream().map(PeerBuilder::build).toList());
    }

    private void parseLine(String text) throws ConfigException {
        if (text.isEmpty()) {
            return;
        }
        if (text.startsWith("#")) {
            comment(text);
            return;
        }
        int hash = text.indexOf('#');
        String content = hash < 0 ? text : text.substring(0, hash).strip();
        if (content.startsWith("[")) {
            header(content);
            return;
        }
        int eq = content.indexOf('=');
        if (eq < 0) {
            throw error("expected a [Section] header, a Key = Value line or a # comment");
        }
        String rawKey = content.substring(0, eq).strip();
        String value = content.substring(eq + 1).strip();
        if (rawKey.isEmpty()) {
            throw error("no key name before =");
        }
        String lower = rawKey.toLowerCase(Locale.ROOT);
        String unsupported = UNSUPPORTED_KEYS.get(lower);
        if (unsupported != null) {
            throw error(unsupportedMessage(unsupported));
        }
        switch (section) {
            case NONE -> {
                String known = INTERFACE_KEYS.getOrDefault(lower, PEER_KEYS.get(lower));
                throw error((known != null ? known : settingName(rawKey))
                        + " is outside any section (an [Interface] or [Peer] header must come first)");
            }
            case INTERFACE -> {
                String key = known(lower, INTERFACE_KEYS, PEER_KEYS, rawKey, "[Interface]", "[Peer]");
                noValueCheck(key, value);
                interfaceSetting(key, value);
            }
            case PEER -> {
                String key = known(lower, PEER_KEYS, INTERFACE_KEYS, rawKey, "[Peer]", "[Interface]");
                noValueCheck(key, value);
                peerSetting(currentPeer(), key, value);
            }
        }
    }

    private void comment(String text) throws ConfigException {
        if (section != Section.PEER) {
            return;
        }
        Matcher m = NAME_COMMENT.matcher(text);
        if (!m.matches()) {
            return;
        }
        String name = m.group(1).strip();
        PeerBuilder peer = currentPeer();
        if (name.isEmpty()) {
            throw error("the Name comment gives no name");
        }
        if (name.codePoints().anyMatch(Character::isISOControl)) {
            throw error("the peer name holds control characters");
        }
        if (peer.name != null) {
            throw error("a second Name comment for this [Peer] (the first is on line " + peer.nameLine + ")");
        }
        PeerBuilder other = peersByName.putIfAbsent(name, peer);
        if (other != null) {
            throw error("the peer name " + name + " is already used by the [Peer] on line " + other.headerLine);
        }
        peer.name = name;
        peer.nameLine = line;
    }

    private void header(String content) throws ConfigException {
        if (!content.endsWith("]")) {
            throw error("malformed section header (expected [Interface] or [Peer])");
        }
        String name = content.substring(1, content.length() - 1).strip();
        if (name.equalsIgnoreCase("Interface")) {
            if (interfaceLine != 0) {
                throw error("a second [Interface] section (the first is on line " + interfaceLine + ")");
            }
            closeSection();
            interfaceLine = line;
            section = Section.INTERFACE;
        } else if (name.equalsIgnoreCase("Peer")) {
            closeSection();
            peers.add(new PeerBuilder(line));
            section = Section.PEER;
        } else {
            String shown = SETTING_NAME.matcher(name).matches() ? "[" + name + "] " : "";
            throw error("unknown section " + shown + "(expected [Interface] or [Peer])");
        }
    }

    /** Checks that the section being left has its required key. */
    private void closeSection() throws ConfigException {
        if (section == Section.INTERFACE && privateKey == null) {
            throw error(0, "[Interface] on line " + interfaceLine + " has no PrivateKey");
        }
        if (section == Section.PEER && currentPeer().publicKey == null) {
            throw error(0, "[Peer] on line " + currentPeer().headerLine + " has no PublicKey");
        }
    }

    private String known(String lower, Map<String, String> here, Map<String, String> there, String rawKey,
            String hereName, String thereName) throws ConfigException {
        String key = here.get(lower);
        if (key != null) {
            return key;
        }
        String elsewhere = there.get(lower);
        if (elsewhere != null) {
            throw error(elsewhere + " belongs in " + thereName + ", not in " + hereName);
        }
        String shown = SETTING_NAME.matcher(rawKey).matches() ? rawKey : "(name not shown)";
        throw error("unknown key " + shown + " in " + hereName);
    }

    private void noValueCheck(String key, String value) throws ConfigException {
        if (value.isEmpty()) {
            throw error(key + " has no value");
        }
    }

    private void once(Map<String, Integer> seen, String key, String where) throws ConfigException {
        Integer first = seen.putIfAbsent(key, line);
        if (first != null) {
            throw error(key + " is set twice in " + where + " (first on line " + first + ")");
        }
    }

    private void interfaceSetting(String key, String value) throws ConfigException {
        switch (key) {
            case "PrivateKey" -> {
                once(interfaceSeen, key, "[Interface]");
                PrivateKey parsed;
                try {
                    parsed = PrivateKey.fromBase64(value);
                } catch (IllegalArgumentException e) {
                    throw error(notAKey(key));
                }
                if (parsed.isZero()) {
                    throw error("PrivateKey is all zeros");
                }
                privateKey = parsed;
            }
            case "ListenPort" -> {
                once(interfaceSeen, key, "[Interface]");
                listenPort = number(value, 0, 65535);
                if (listenPort == null) {
                    throw error("ListenPort must be a number from 0 (any port) to 65535, not " + show(value));
                }
            }
            case "MTU" -> {
                once(interfaceSeen, key, "[Interface]");
                mtu = number(value, MIN_MTU, MAX_MTU);
                if (mtu == null) {
                    throw error("MTU must be a number from " + MIN_MTU + " to " + MAX_MTU + ", not " + show(value));
                }
            }
            case "Address" -> {
                for (String entry : entries(key, value)) {
                    InterfaceAddress address = interfaceAddress(entry);
                    Integer first = addresses.putIfAbsent(address, line);
                    if (first != null) {
                        throw error("Address " + address + " is listed twice (first on line " + first + ")");
                    }
                }
            }
            default -> throw new IllegalStateException(key);
        }
    }

    private void peerSetting(PeerBuilder peer, String key, String value) throws ConfigException {
        switch (key) {
            case "PublicKey" -> {
                once(peer.seen, key, "this [Peer]");
                PublicKey parsed;
                try {
                    parsed = PublicKey.fromBase64(value);
                } catch (IllegalArgumentException e) {
                    throw error(notAKey(key));
                }
                if (parsed.isZero()) {
                    throw error("PublicKey is all zeros");
                }
                PeerBuilder other = peersByKey.putIfAbsent(parsed, peer);
                if (other != null) {
                    throw error("PublicKey is already used by " + other.label());
                }
                peer.publicKey = parsed;
            }
            case "PresharedKey" -> {
                once(peer.seen, key, "this [Peer]");
                PresharedKey parsed;
                try {
                    parsed = PresharedKey.fromBase64(value);
                } catch (IllegalArgumentException e) {
                    throw error(notAKey(key));
                }
                // All zeros is how wg writes "no preshared key".
                peer.presharedKey = parsed.isZero() ? null : parsed;
            }
            case "Endpoint" -> {
                once(peer.seen, key, "this [Peer]");
                String problem = endpointProblem(value);
                if (problem != null) {
                    throw error(problem);
                }
                peer.endpoint = value;
            }
            case "PersistentKeepalive" -> {
                once(peer.seen, key, "this [Peer]");
                peer.persistentKeepalive = value.equalsIgnoreCase("off") ? Integer.valueOf(0) : number(value, 0, 65535);
                if (peer.persistentKeepalive == null) {
                    throw error("PersistentKeepalive must be off or a number of seconds from 0 to 65535, not "
                            + show(value));
                }
            }
            case "AllowedIPs" -> {
                for (String entry : entries(key, value)) {
                    IpPrefix prefix = allowedIp(entry);
                    Integer first = peer.allowedIps.putIfAbsent(prefix, line);
                    if (first != null) {
                        throw error("AllowedIPs " + prefix + " is listed twice for this [Peer] (first on line "
                                + first + ")");
                    }
                    PeerBuilder owner = allowedOwners.putIfAbsent(prefix, peer);
                    if (owner != null) {
                        throw error("AllowedIPs " + prefix + " is already routed to " + owner.label()
                                + " (a prefix can belong to one peer only)");
                    }
                }
            }
            default -> throw new IllegalStateException(key);
        }
    }

    private List<String> entries(String key, String value) throws ConfigException {
        List<String> out = new ArrayList<>();
        for (String entry : value.split(",", -1)) {
            String e = entry.strip();
            if (e.isEmpty()) {
                throw error(key + " has an empty entry (check the commas)");
            }
            out.add(e);
        }
        return out;
    }

    private InterfaceAddress interfaceAddress(String entry) throws ConfigException {
        byte[] bytes = addressBytes("Address", entry);
        int bits = prefixBits("Address", entry, bytes.length * 8);
        try {
            InetAddress address = bytes.length == 16 ? Inet6Address.getByAddress(null, bytes, -1)
                    : InetAddress.getByAddress(bytes);
            return new InterfaceAddress(address, bits);
        } catch (UnknownHostException e) {
            throw new IllegalStateException(e);
        }
    }

    private IpPrefix allowedIp(String entry) throws ConfigException {
        byte[] bytes = addressBytes("AllowedIPs", entry);
        return new IpPrefix(bytes, prefixBits("AllowedIPs", entry, bytes.length * 8));
    }

    /** The address part of "addr[/bits]", unmasked; IPv4-mapped IPv6 stays 16 bytes. */
    private byte[] addressBytes(String key, String entry) throws ConfigException {
        int slash = entry.indexOf('/');
        String host = slash < 0 ? entry : entry.substring(0, slash);
        try {
            // A bare address is a full-length prefix, so nothing is masked away.
            return IpPrefix.parse(host).address();
        } catch (IllegalArgumentException e) {
            throw error(key + " " + show(entry) + " is not an IP address with an optional /prefix length");
        }
    }

    private int prefixBits(String key, String entry, int max) throws ConfigException {
        int slash = entry.indexOf('/');
        if (slash < 0) {
            return max;
        }
        Integer bits = number(entry.substring(slash + 1), 0, max);
        if (bits == null) {
            throw error(key + " " + show(entry) + " has a prefix length that is not from 0 to " + max);
        }
        return bits;
    }

    /**
     * Why an Endpoint is not {@code host:port} or {@code [IPv6]:port}, or null when it is. The host is a
     * literal address or a name; names are not resolved here.
     */
    private static String endpointProblem(String value) {
        try {
            HostPort.parse(value);
            return null;
        } catch (IllegalArgumentException e) {
            return "Endpoint " + show(value) + " " + e.getMessage();
        }
    }

    /** A decimal number in [min, max], or null. Signs, spaces and other forms are refused. */
    private static Integer number(String text, int min, int max) {
        if (text.isEmpty() || text.length() > 9 || !text.chars().allMatch(c -> c >= '0' && c <= '9')) {
            return null;
        }
        int n = Integer.parseInt(text);
        return n >= min && n <= max ? n : null;
    }

    private PeerBuilder currentPeer() {
        return peers.getLast();
    }

    private static String notAKey(String key) {
        return key + " is not a valid base64 key (44 characters encoding 32 bytes)";
    }

    private static String unsupportedMessage(String key) {
        String why = switch (key) {
            case "PreUp", "PostUp", "PreDown", "PostDown" -> "overlayd never runs commands from a configuration file";
            case "DNS" -> "overlayd does not change the host's resolver";
            case "Table", "FwMark" -> "overlayd does not manage the host's routing tables or firewall marks";
            case "SaveConfig" -> "overlayd does not write its configuration back";
            default -> throw new IllegalStateException(key);
        };
        return "overlayd does not support " + key + " (" + why + "); remove it";
    }

    /** An unknown key's name for a message: shown when it looks like a setting name, not like a value. */
    private static String settingName(String rawKey) {
        return SETTING_NAME.matcher(rawKey).matches() ? rawKey : "a key (name not shown)";
    }

    /**
     * A value for a message, or "(value not shown)" when it could hold a secret: a run of 40 or more
     * base64 characters (a pasted key) or something too long to be a port, address or host.
     */
    static String show(String value) {
        if (value.length() > 100 || KEY_LIKE.matcher(value).find()) {
            return "(value not shown)";
        }
        return value;
    }

    private ConfigException error(String problem) {
        return error(line, problem);
    }

    private ConfigException error(int atLine, String problem) {
        return new ConfigException(file, atLine, problem);
    }

    private void wipe() {
        if (privateKey != null) {
            privateKey.wipe();
        }
        for (PeerBuilder peer : peers) {
            if (peer.presharedKey != null) {
                peer.presharedKey.wipe();
            }
        }
    }

    private static Map<String, String> names(String... names) {
        Map<String, String> out = new HashMap<>();
        for (String name : names) {
            out.put(name.toLowerCase(Locale.ROOT), name);
        }
        return Map.copyOf(out);
    }
}
