package dev.overlayd.routing.discovery;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import com.fasterxml.jackson.databind.JsonNode;
import com.google.common.net.InetAddresses;
import dev.overlayd.containers.docker.DockerClient;
import dev.overlayd.node.config.DurationText;
import dev.overlayd.node.plugin.PluginConfigException;
import dev.overlayd.peers.HostPort;
import dev.overlayd.routing.dns.DnsSettings;

/**
 * The {@code discovery:} section of overlay.yaml:
 * <pre>
 * discovery:
 *   domain: overlay                  # services answer as NAME.service.overlay
 *   docker: unix:///var/run/docker.sock   # or off: this node registers nothing (it has no dockerd)
 *   dns:
 *     listen: overlay                # the node's overlay address (containers use it); an address; or off
 *     port: 53
 *     ttl: 5s
 *     forward: [198.18.0.254:53]     # other names go there; default: the nameservers of /etc/resolv.conf
 * </pre>
 * Every key is optional; {@code discovery: {}} is all the defaults.
 */
public record DiscoveryConfig(String domain, Path docker, Dns dns) {
    /** Whether this node registers its containers' services: {@code docker} is null when it does not. */
    public boolean registers() {
        return docker != null;
    }

    /**
     * The DNS server: off when {@code enabled} is false; {@code listen} null is the node's overlay
     * address; {@code forward} null is the host's resolvers.
     */
    public record Dns(boolean enabled, InetAddress listen, int port, Duration ttl, List<InetSocketAddress> forward) {}

    public static final Dns DNS_DEFAULTS = new Dns(true, null, 53, Duration.ofSeconds(5), null);
    public static final DiscoveryConfig DEFAULTS = new DiscoveryConfig("overlay", DockerClient.DEFAULT_SOCKET, DNS_DEFAULTS);
    private static final List<String> KEYS = List.of("domain", "docker", "dns");
    private static final List<String> DNS_KEYS = List.of("listen", "port", "ttl", "forward");

    public static DiscoveryConfig parse(JsonNode section) throws PluginConfigException {
        if (section == null || section.isNull()) {
            return DEFAULTS;
        }
        known(section, "discovery", KEYS);
        String domain = text(section, "discovery.domain");
        if (domain == null) {
            domain = DEFAULTS.domain();
        } else {
            try {
                domain = DnsSettings.domain(domain);
            } catch (IllegalArgumentException e) {
                throw new PluginConfigException("discovery.domain: " + e.getMessage());
            }
        }
        Path docker = DEFAULTS.docker();
        JsonNode d = section.get("docker");
        String host = d != null && d.isBoolean() && !d.asBoolean() ? "off" : text(section, "discovery.docker");
        if ("off".equals(host)) {
            docker = null;
        } else if (host != null) {
            try {
                docker = DockerClient.socketOf(host);
            } catch (IllegalArgumentException e) {
                throw new PluginConfigException("discovery.docker: " + e.getMessage());
            }
        }
        return new DiscoveryConfig(domain, docker, dns(section.get("dns")));
    }

    private static Dns dns(JsonNode dns) throws PluginConfigException {
        if (dns == null || dns.isNull()) {
            return DNS_DEFAULTS;
        }
        if (dns.isBoolean() && !dns.asBoolean()) {
            return new Dns(false, null, DNS_DEFAULTS.port(), DNS_DEFAULTS.ttl(), null);
        }
        known(dns, "discovery.dns", DNS_KEYS);
        boolean enabled = true;
        InetAddress listen = null;
        String text = dns.has("listen") && dns.get("listen").isBoolean() && !dns.get("listen").asBoolean()
                ? "off" : text(dns, "discovery.dns.listen");
        if (text != null && !text.equals("overlay")) {
            if (text.equals("off")) {
                enabled = false;
            } else if (InetAddresses.isInetAddress(text)) {
                listen = InetAddresses.forString(text);
            } else {
                throw new PluginConfigException("discovery.dns.listen: '" + text + "' is neither overlay, off, nor an IP address");
            }
        }
        int port = DNS_DEFAULTS.port();
        JsonNode p = dns.get("port");
        if (p != null && !p.isNull()) {
            if (!p.canConvertToInt() || p.asInt() < 1 || p.asInt() > 65535) {
                throw new PluginConfigException("discovery.dns.port: " + p + " is not a port (1 to 65535)");
            }
            port = p.asInt();
        }
        Duration ttl = DNS_DEFAULTS.ttl();
        String t = text(dns, "discovery.dns.ttl");
        if (t != null) {
            try {
                ttl = DurationText.parse(t);
            } catch (IllegalArgumentException e) {
                throw new PluginConfigException("discovery.dns.ttl: " + e.getMessage());
            }
            if (ttl.toSeconds() > 3600) {
                throw new PluginConfigException("discovery.dns.ttl: at most 1h: a long TTL keeps stopped instances in caches");
            }
        }
        List<InetSocketAddress> forward = null;
        JsonNode f = dns.get("forward");
        if (f != null && !f.isNull()) {
            if (!f.isArray()) {
                throw new PluginConfigException("discovery.dns.forward: must be a list of resolvers, as address or address:port");
            }
            forward = new ArrayList<>();
            for (JsonNode resolver : f) {
                forward.add(resolver(resolver.asText()));
            }
        }
        return new Dns(enabled, listen, port, ttl, forward == null ? null : List.copyOf(forward));
    }

    private static InetSocketAddress resolver(String text) throws PluginConfigException {
        String t = text.strip();
        if (InetAddresses.isInetAddress(t)) {
            return new InetSocketAddress(InetAddresses.forString(t), 53);
        }
        try {
            HostPort hp = HostPort.parse(t);
            if (InetAddresses.isInetAddress(hp.host())) {
                return new InetSocketAddress(InetAddresses.forString(hp.host()), hp.port());
            }
        } catch (IllegalArgumentException e) {
            // Said below, the same for every malformed resolver.
        }
        throw new PluginConfigException("discovery.dns.forward: '" + text + "' is not a resolver's address (198.18.0.254 or 198.18.0.254:53)");
    }

    private static void known(JsonNode section, String name, List<String> keys) throws PluginConfigException {
        if (!section.isObject()) {
            throw new PluginConfigException(name + ": must be a map of " + String.join(", ", keys) + " (or {} for the defaults)");
        }
        for (Map.Entry<String, JsonNode> e : section.properties()) {
            if (!keys.contains(e.getKey())) {
                throw new PluginConfigException(name + "." + e.getKey() + ": unknown key (known: " + String.join(", ", keys) + ")");
            }
        }
    }

    private static String text(JsonNode section, String key) throws PluginConfigException {
        JsonNode value = section.get(key.substring(key.lastIndexOf('.') + 1));
        if (value == null || value.isNull()) {
            return null;
        }
        if (!value.isTextual() || value.asText().isBlank()) {
            throw new PluginConfigException(key + ": must be a non-empty string, not " + value);
        }
        return value.asText().strip();
    }
}
