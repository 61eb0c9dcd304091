package dev.overlayd.node.config;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.ServiceLoader;
import java.util.Set;
import com.fasterxml.jackson.annotation.JsonIgnoreProperties;
import com.fasterxml.jackson.annotation.JsonProperty;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.exc.UnrecognizedPropertyException;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import dev.overlayd.peers.HostPort;
import dev.overlayd.membership.enrolment.JoinToken;
import dev.overlayd.membership.gossip.GossipSettings;
import dev.overlayd.membership.identity.CertificateAuthority;
import dev.overlayd.membership.identity.IdentityException;
import dev.overlayd.membership.identity.Issuer;
import dev.overlayd.node.metrics.MetricsAddress;
import dev.overlayd.node.plugin.Plugin;
import dev.overlayd.node.plugin.PluginConfigException;
import dev.overlayd.node.plugin.PluginProvider;
import dev.overlayd.noise.Protocol;
import dev.overlayd.peers.uapi.UapiException;
import dev.overlayd.peers.uapi.UapiValues;

/**
 * Cluster mode's file, {@code overlay.yaml}: where the CA certificate, this node's certificate and
 * key are, the UDP port, the members to join through, the membership backend, the certificates
 * of static hosts (stock WireGuard hosts outside the cluster) this node publishes, a revocation list
 * to start from, the directory the node keeps its state in, where its metrics are served (off
 * unless {@code metrics.listen} says), and how it enrols (a join token) or issues to nodes that
 * enrol. Everything but the three files has a default, and with a token they do too (the node
 * enrols for them into its state directory); the overlay's range and this node's address come from
 * the certificates. Every other top-level key is a plugin's section: the plugin whose provider claims
 * it reads it (providers are found with {@link ServiceLoader}). Keys no one claims are errors, so a
 * typo is not silently a default.
 */
public record ClusterConfig(
        String interfaceName,
        Path ca,
        Path certificate,
        Path key,
        int listenPort,
        int mtu,
        List<HostPort> seeds,
        InetSocketAddress advertise,
        Backend backend,
        Duration ttl,
        int gossipPort,
        Etcd etcd,
        List<Path> hosts,
        Path state,
        Path crl,
        InetSocketAddress metrics,
        List<ConfiguredPlugin> plugins,
        Enrolment enrolment,
        Issuing issuing) {

    public enum Backend { EMBEDDED, ETCD }

    /**
     * How to reach etcd: TLS ({@code https://} endpoints) with etcd's CA, this node's client
     * certificate and key by default; {@code plaintext} only when the file says so. A user and a
     * password file add etcd's user authentication. Null when the backend is not etcd.
     */
    public record Etcd(List<URI> endpoints, boolean plaintext, Path ca, Path certificate, Path key, String user,
                       Path passwordFile) {}

    /**
     * How a node with no certificate yet gets one: the join token (from the launch template) and the
     * name to ask for. Null when the node has its certificate from an operator.
     */
    public record Enrolment(JoinToken token, String name) {}

    /**
     * This member issues certificates to nodes that enrol: its issuer certificate and key (from
     * {@code overlayctl ca issuer}), how long what it issues lasts, and how long a subnet whose holder
     * is gone stays out of the pool. Null on a member that does not issue.
     */
    public record Issuing(Path certificate, Path key, Duration lifetime, Duration grace) {}

    public static final String DEFAULT_INTERFACE = "overlay0";
    public static final int DEFAULT_LISTEN_PORT = 51820;
    /** Where a node keeps its state (the newest revocation list) by default, in a directory per interface. */
    public static final Path DEFAULT_STATE_ROOT = Path.of("/var/lib/overlayd");

    private static final ObjectMapper YAML = new ObjectMapper(new YAMLFactory())
            .enable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES);
    /** overlayd's own top-level keys, File's. */
    private static final Set<String> OWN_KEYS = Arrays.stream(File.class.getDeclaredFields())
            .map(field -> field.getAnnotation(JsonProperty.class))
            .filter(java.util.Objects::nonNull)
            .map(JsonProperty::value)
            .collect(java.util.stream.Collectors.toUnmodifiableSet());

    /** The file as written: every field optional to Jackson, checked by {@link #parse}. */
    @JsonIgnoreProperties(ignoreUnknown = true)
    record File(
            @JsonProperty("interface") String interfaceName,
            @JsonProperty("ca") String ca,
            @JsonProperty("certificate") String certificate,
            @JsonProperty("key") String key,
            @JsonProperty("listen_port") Integer listenPort,
            @JsonProperty("mtu") Integer mtu,
            @JsonProperty("seeds") List<String> seeds,
            @JsonProperty("advertise") String advertise,
            @JsonProperty("membership") Membership membership,
            @JsonProperty("hosts") List<String> hosts,
            @JsonProperty("state") String state,
            @JsonProperty("crl") String crl,
            @JsonProperty("token") String token,
            @JsonProperty("token_file") String tokenFile,
            @JsonProperty("name") String name,
            @JsonProperty("enrolment") EnrolmentSection enrolment,
            @JsonProperty("metrics") JsonNode metrics) {}

    record EnrolmentSection(
            @JsonProperty("issuer") IssuerSection issuer,
            @JsonProperty("lifetime") String lifetime,
            @JsonProperty("grace") String grace) {}

    record IssuerSection(
            @JsonProperty("certificate") String certificate,
            @JsonProperty("key") String key) {}

    record Membership(
            @JsonProperty("backend") String backend,
            @JsonProperty("ttl") String ttl,
            @JsonProperty("gossip_port") Integer gossipPort,
            @JsonProperty("etcd") JsonNode etcd) {}

    record EtcdSection(
            @JsonProperty("endpoints") List<String> endpoints,
            @JsonProperty("plaintext") Boolean plaintext,
            @JsonProperty("ca") String ca,
            @JsonProperty("certificate") String certificate,
            @JsonProperty("key") String key,
            @JsonProperty("user") String user,
            @JsonProperty("password_file") String passwordFile) {}

    /** The file, its plugins' sections read by the providers on the class path. */
    public static ClusterConfig parse(Path path) throws ConfigException {
        return parse(path, ServiceLoader.load(PluginProvider.class).stream().map(ServiceLoader.Provider::get).toList());
    }

    /** The file, its plugins' sections read by {@code providers} (in this order, which is the plugins' start order). */
    public static ClusterConfig parse(Path path, List<PluginProvider> providers) throws ConfigException {
        String name = path.toString();
        File f;
        JsonNode tree;
        Map<String, PluginProvider> sections = sections(name, providers);
        try {
            byte[] bytes = Files.readAllBytes(path);
            boolean blank = new String(bytes, java.nio.charset.StandardCharsets.UTF_8).isBlank();
            if (!blank) {
                refuseUnknownKeys(name, bytes, sections.keySet());
            }
            f = blank ? null : YAML.readValue(bytes, File.class);
            tree = blank ? null : YAML.readTree(bytes);
        } catch (UnrecognizedPropertyException e) {
            throw new ConfigException(name, line(e), "unknown key '" + e.getPropertyName() + "'");
        } catch (JsonProcessingException e) {
            throw new ConfigException(name, line(e), e.getOriginalMessage());
        } catch (IOException e) {
            throw new ConfigException(name, 0, "cannot read: " + e.getMessage());
        }
        if (f == null) {
            throw new ConfigException(name, 0, "empty file: give at least ca, certificate and key (or a token)");
        }
        Path dir = path.toAbsolutePath().getParent();
        Enrolment enrolment = enrolment(name, dir, f);
        Membership m = f.membership() == null ? new Membership(null, null, null, null) : f.membership();
        Backend backend = switch (m.backend() == null ? "embedded" : m.backend()) {
            case "embedded" -> Backend.EMBEDDED;
            case "etcd" -> Backend.ETCD;
            default -> throw new ConfigException(name, 0, "membership.backend is 'embedded' or 'etcd', not '" + m.backend() + "'");
        };
        Etcd etcd = backend == Backend.ETCD ? etcd(name, dir, m.etcd()) : null;
        List<Path> hosts = new ArrayList<>();
        for (String h : f.hosts() == null ? List.<String>of() : f.hosts()) {
            hosts.add(dir.resolve(h));
        }
        List<HostPort> seeds = new ArrayList<>();
        for (String s : f.seeds() == null ? List.<String>of() : f.seeds()) {
            seeds.add(seed(name, s));
        }
        Duration ttl = m.ttl() == null ? GossipSettings.DEFAULT_TTL : duration(name, "membership.ttl", m.ttl());
        if (ttl.compareTo(GossipSettings.DEFAULT_INTERVAL.multipliedBy(2)) < 0) {
            throw new ConfigException(name, 0, "membership.ttl must be at least 2s");
        }
        String interfaceName = f.interfaceName() == null ? DEFAULT_INTERFACE : interfaceName(name, f.interfaceName());
        Path state = f.state() == null ? DEFAULT_STATE_ROOT.resolve(interfaceName) : dir.resolve(f.state());
        List<ConfiguredPlugin> plugins = new ArrayList<>();
        for (PluginProvider provider : providers) {
            Plugin plugin = plugin(name, provider, tree.get(provider.section()));
            if (plugin != null) {
                plugins.add(new ConfiguredPlugin(provider.section(), plugin));
            }
        }
        return new ClusterConfig(
                interfaceName,
                identityFile(name, dir, "ca", f.ca(), enrolment, state.resolve("ca.crt")),
                identityFile(name, dir, "certificate", f.certificate(), enrolment, state.resolve("node.crt")),
                identityFile(name, dir, "key", f.key(), enrolment, state.resolve("node.key")),
                port(name, "listen_port", f.listenPort(), DEFAULT_LISTEN_PORT),
                f.mtu() == null ? Protocol.DEFAULT_MTU : f.mtu(),
                List.copyOf(seeds),
                f.advertise() == null ? null : endpoint(name, "advertise", f.advertise()),
                backend,
                ttl,
                port(name, "membership.gossip_port", m.gossipPort(), GossipSettings.DEFAULT_PORT),
                etcd,
                List.copyOf(hosts),
                state,
                f.crl() == null ? null : dir.resolve(f.crl()),
                metrics(name, f.metrics()),
                List.copyOf(plugins),
                enrolment,
                issuing(name, dir, f.enrolment()));
    }

    /**
     * A token, inline or in a file of its own (which a launch template can write 0600 apart from
     * the rest), and the name to enrol as: the host's name when not given.
     */
    private static Enrolment enrolment(String file, Path dir, File f) throws ConfigException {
        if (f.token() != null && f.tokenFile() != null) {
            throw new ConfigException(file, 0, "token and token_file contradict each other: keep one");
        }
        if (f.token() == null && f.tokenFile() == null) {
            if (f.name() != null) {
                throw new ConfigException(file, 0, "name is the name to enrol as, with a token: the node's name is "
                        + "its certificate's otherwise");
            }
            return null;
        }
        String text = f.token();
        if (text == null) {
            Path tokenFile = dir.resolve(f.tokenFile());
            try {
                text = Files.readString(tokenFile).strip();
            } catch (IOException e) {
                throw new ConfigException(file, 0, "token_file " + tokenFile + " cannot be read: " + e.getMessage());
            }
        }
        JoinToken token;
        try {
            token = JoinToken.parse(text.strip());
        } catch (IdentityException e) {
            throw new ConfigException(file, 0, (f.token() != null ? "token: " : "token_file: ") + e.getMessage());
        }
        String nodeName = f.name() != null ? f.name() : hostName();
        try {
            CertificateAuthority.checkName("name", nodeName);
        } catch (IdentityException e) {
            throw new ConfigException(file, 0, (f.name() != null ? "" : "the host's name, the default of name: ")
                    + e.getMessage());
        }
        return new Enrolment(token, nodeName);
    }

    private static String hostName() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (java.net.UnknownHostException e) {
            return System.getenv().getOrDefault("HOSTNAME", "");
        }
    }

    /** The identity's files: given, or in the state directory when the node enrols for them. */
    private static Path identityFile(String file, Path dir, String key, String value, Enrolment enrolment, Path enrolled)
            throws ConfigException {
        if (value == null && enrolment != null) {
            return enrolled;
        }
        return required(file, dir, key, value);
    }

    private static Issuing issuing(String file, Path dir, EnrolmentSection section) throws ConfigException {
        if (section == null) {
            return null;
        }
        IssuerSection issuer = section.issuer();
        if (issuer == null || issuer.certificate() == null || issuer.key() == null) {
            throw new ConfigException(file, 0, "enrolment.issuer needs certificate and key (issuers/NAME.crt and "
                    + "issuers/NAME.key, from overlayctl ca issuer)");
        }
        Duration lifetime = section.lifetime() == null ? Issuer.DEFAULT_LIFETIME
                : duration(file, "enrolment.lifetime", section.lifetime());
        if (lifetime.compareTo(Issuer.MIN_LIFETIME) < 0) {
            throw new ConfigException(file, 0, "enrolment.lifetime must be at least " + Issuer.MIN_LIFETIME.toSeconds() + "s");
        }
        Duration grace = section.grace() == null ? Issuer.DEFAULT_GRACE : duration(file, "enrolment.grace", section.grace());
        return new Issuing(dir.resolve(issuer.certificate()), dir.resolve(issuer.key()), lifetime, grace);
    }

    /** The sections the providers claim; one claimed twice, or one of the node's own keys, is refused. */
    private static Map<String, PluginProvider> sections(String file, List<PluginProvider> providers) throws ConfigException {
        Map<String, PluginProvider> sections = new LinkedHashMap<>();
        for (PluginProvider provider : providers) {
            String section = provider.section();
            boolean own = OWN_KEYS.contains(section);
            PluginProvider other = sections.putIfAbsent(section, provider);
            if (own || other != null) {
                throw new ConfigException(file, 0, "the plugin " + provider.getClass().getName() + " claims the section '"
                        + section + "', which " + (own ? "is overlayd's own" : other.getClass().getName() + " claims"));
            }
        }
        return sections;
    }

    /**
     * Every top-level key that is neither overlayd's nor a plugin's is an error at its line. (File
     * itself ignores unknown keys, so that the plugins' sections pass; the sections inside it do not.)
     */
    private static void refuseUnknownKeys(String file, byte[] bytes, Set<String> sections) throws ConfigException {
        try (JsonParser p = YAML.getFactory().createParser(bytes)) {
            if (p.nextToken() != JsonToken.START_OBJECT) {
                return;
            }
            while (p.nextToken() == JsonToken.FIELD_NAME) {
                String key = p.currentName();
                if (!OWN_KEYS.contains(key) && !sections.contains(key)) {
                    throw new ConfigException(file, Math.max(0, p.currentTokenLocation().getLineNr()), "unknown key '" + key + "'");
                }
                p.nextToken();
                p.skipChildren();
            }
        } catch (JsonProcessingException e) {
            // The binding that follows says what is malformed, and where.
        } catch (IOException e) {
            throw new ConfigException(file, 0, "cannot read: " + e.getMessage());
        }
    }

    /** The provider's plugin; its refusal of the section is this file's error, on one line. */
    private static Plugin plugin(String file, PluginProvider provider, JsonNode section) throws ConfigException {
        try {
            return provider.create(section);
        } catch (PluginConfigException e) {
            throw new ConfigException(file, 0, provider.section() + ": " + e.getMessage());
        } catch (RuntimeException e) {
            throw new ConfigException(file, 0, provider.section() + ": the plugin failed to read its section (" + e + ")");
        }
    }

    public GossipSettings gossip() {
        return new GossipSettings(seeds, ttl, GossipSettings.DEFAULT_INTERVAL, gossipPort);
    }

    private static Etcd etcd(String file, Path dir, JsonNode node) throws ConfigException {
        if (node == null || node.isNull()) {
            throw new ConfigException(file, 0, "membership.etcd is missing: give its endpoints (e.g. https://10.0.0.5:2379), "
                    + "ca, certificate and key");
        }
        if (!node.isObject()) {
            throw new ConfigException(file, 0, "membership.etcd is a section: endpoints, ca, certificate, key "
                    + "(and user, password_file or plaintext: true), not a list");
        }
        EtcdSection e;
        try {
            e = YAML.treeToValue(node, EtcdSection.class);
        } catch (UnrecognizedPropertyException x) {
            throw new ConfigException(file, 0, "unknown key 'membership.etcd." + x.getPropertyName() + "'");
        } catch (JsonProcessingException x) {
            throw new ConfigException(file, 0, "membership.etcd: " + x.getOriginalMessage());
        }
        if (e.endpoints() == null || e.endpoints().isEmpty()) {
            throw new ConfigException(file, 0, "membership.etcd.endpoints lists none (e.g. https://10.0.0.5:2379)");
        }
        boolean plaintext = Boolean.TRUE.equals(e.plaintext());
        List<URI> endpoints = new ArrayList<>();
        for (String text : e.endpoints()) {
            URI endpoint;
            try {
                endpoint = new URI(text.strip());
            } catch (URISyntaxException x) {
                throw new ConfigException(file, 0, "membership.etcd.endpoints: '" + text + "' is not a URL");
            }
            String scheme = plaintext ? "http" : "https";
            if (!plaintext && "http".equals(endpoint.getScheme())) {
                throw new ConfigException(file, 0, "membership.etcd.endpoints: " + text + " is plaintext, where anyone on "
                        + "the path can read and rewrite the cluster's records: use https:// with ca, certificate and key, "
                        + "or set membership.etcd.plaintext: true to allow it");
            }
            if (!scheme.equals(endpoint.getScheme()) || endpoint.getHost() == null || endpoint.getPort() < 0) {
                throw new ConfigException(file, 0, "membership.etcd.endpoints: '" + text + "' is not " + scheme + "://host:port");
            }
            endpoints.add(endpoint);
        }
        if (plaintext && (e.ca() != null || e.certificate() != null || e.key() != null)) {
            throw new ConfigException(file, 0, "membership.etcd: plaintext: true and TLS files (ca, certificate, key) "
                    + "contradict each other: keep one");
        }
        if (!plaintext && (e.ca() == null || e.certificate() == null || e.key() == null)) {
            throw new ConfigException(file, 0, "membership.etcd needs ca (etcd's CA certificate), certificate and key "
                    + "(this node's client certificate for etcd and its key)");
        }
        if ((e.user() == null) != (e.passwordFile() == null)) {
            throw new ConfigException(file, 0, "membership.etcd: user and password_file go together (the password is "
                    + "read from that file, never written in overlay.yaml)");
        }
        return new Etcd(List.copyOf(endpoints), plaintext, resolve(dir, e.ca()), resolve(dir, e.certificate()),
                resolve(dir, e.key()), e.user(), resolve(dir, e.passwordFile()));
    }

    /** {@code metrics: {listen: ADDRESS:PORT}}: where GET /metrics is served; null (off) when absent or {@code off}. */
    private static InetSocketAddress metrics(String file, JsonNode node) throws ConfigException {
        if (node == null || node.isNull()) {
            return null;
        }
        String example = "(e.g. metrics: {listen: 127.0.0.1:" + MetricsAddress.EXAMPLE_PORT + "})";
        if (!node.isObject()) {
            throw new ConfigException(file, 0, "metrics is a section with listen " + example);
        }
        for (Map.Entry<String, JsonNode> e : node.properties()) {
            if (!e.getKey().equals("listen")) {
                throw new ConfigException(file, 0, "unknown key 'metrics." + e.getKey() + "' (metrics has only listen)");
            }
        }
        JsonNode listen = node.get("listen");
        if (listen == null || listen.isNull() || listen.isBoolean() && !listen.asBoolean()
                || listen.isTextual() && listen.asText().strip().equals("off")) {
            return null;
        }
        if (!listen.isTextual()) {
            throw new ConfigException(file, 0, "metrics.listen is an address:port " + example + ", not " + listen);
        }
        try {
            return MetricsAddress.parse(listen.asText());
        } catch (IllegalArgumentException e) {
            throw new ConfigException(file, 0, "metrics.listen: " + e.getMessage());
        }
    }

    private static Path resolve(Path dir, String path) {
        return path == null ? null : dir.resolve(path);
    }

    private static Path required(String file, Path dir, String key, String value) throws ConfigException {
        if (value == null || value.isBlank()) {
            throw new ConfigException(file, 0, "'" + key + "' is missing: the path of the " + switch (key) {
                case "ca" -> "cluster's CA certificate";
                case "certificate" -> "node's certificate";
                default -> "node's private key";
            });
        }
        return dir.resolve(value);
    }

    /** Linux's rules for an interface name; the name also names the state directory, so no '/' or '..'. */
    private static String interfaceName(String file, String name) throws ConfigException {
        if (name.isEmpty() || name.length() > 15 || name.equals(".") || name.equals("..")
                || name.chars().anyMatch(c -> c == '/' || c == ':' || c <= ' ' || c >= 0x7f)) {
            throw new ConfigException(file, 0, "interface '" + name + "' is not an interface name (1 to 15 characters, "
                    + "no '/', ':' or space)");
        }
        return name;
    }

    private static int port(String file, String key, Integer value, int fallback) throws ConfigException {
        if (value == null) {
            return fallback;
        }
        if (value < 1 || value > 65535) {
            throw new ConfigException(file, 0, key + " " + value + " is not a port (1-65535)");
        }
        return value;
    }

    private static InetSocketAddress endpoint(String file, String key, String text) throws ConfigException {
        try {
            return UapiValues.parseEndpoint(text);
        } catch (UapiException e) {
            throw new ConfigException(file, 0, key + ": '" + text + "' is not address:port (" + e.getMessage() + ")");
        }
    }

    /** A member to join through: address or host name, and the port, 51820 when not given. */
    private static HostPort seed(String file, String text) throws ConfigException {
        try {
            return HostPort.parse(text.strip(), DEFAULT_LISTEN_PORT);
        } catch (IllegalArgumentException e) {
            // Said below, the same for every malformed seed.
        }
        throw new ConfigException(file, 0, "seeds: '" + text + "' is not host:port (an address or a host name, "
                + "e.g. 198.18.0.1:51820 or seeds.cluster.internal)");
    }

    private static Duration duration(String file, String key, String text) throws ConfigException {
        try {
            return DurationText.parse(text);
        } catch (IllegalArgumentException e) {
            throw new ConfigException(file, 0, key + " " + e.getMessage());
        }
    }

    private static int line(JsonProcessingException e) {
        return e.getLocation() == null ? 0 : Math.max(0, e.getLocation().getLineNr());
    }
}
