package dev.overlayd.routing.discovery;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import com.fasterxml.jackson.databind.JsonNode;
import com.google.common.net.InetAddresses;
import dev.overlayd.containers.docker.DockerClient;
import dev.overlayd.node.plugin.PluginConfigException;
import dev.overlayd.node.plugin.SectionReader;
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
        SectionReader discovery = SectionReader.of("discovery", section, KEYS);
        String domain = DEFAULTS.domain();
        if (discovery.has("domain")) {
            try {
                domain = DnsSettings.domain(discovery.text("domain", null));
            } catch (IllegalArgumentException e) {
                throw discovery.error("domain", e.getMessage());
            }
        }
        Path docker = DEFAULTS.docker();
        if (discovery.off("docker")) {
            docker = null;
        } else if (discovery.has("docker")) {
            try {
                docker = DockerClient.socketOf(discovery.text("docker", null));
            } catch (IllegalArgumentException e) {
                throw discovery.error("docker", e.getMessage());
            }
        }
        Dns dns = discovery.off("dns") ? new Dns(false, null, DNS_DEFAULTS.port(), DNS_DEFAULTS.ttl(), null)
                : dns(discovery.section("dns", DNS_KEYS));
        return new DiscoveryConfig(domain, docker, dns);
    }

    private static Dns dns(SectionReader dns) throws PluginConfigException {
        boolean enabled = !dns.off("listen");
        InetAddress listen = null;
        if (enabled) {
            String text = dns.text("listen", "overlay");
            if (!text.equals("overlay")) {
                if (!InetAddresses.isInetAddress(text)) {
                    throw dns.error("listen", "'" + text + "' is neither overlay, off, nor an IP address");
                }
                listen = InetAddresses.forString(text);
            }
        }
        int port = dns.integer("port", DNS_DEFAULTS.port(), 1, 65535);
        // A long TTL keeps stopped instances in resolvers' caches.
        Duration ttl = dns.duration("ttl", DNS_DEFAULTS.ttl(), Duration.ZERO, Duration.ofHours(1));
        List<InetSocketAddress> forward = null;
        if (dns.has("forward")) {
            forward = new ArrayList<>();
            for (JsonNode resolver : dns.list("forward")) {
                forward.add(resolver(dns, resolver.asText()));
            }
        }
        return new Dns(enabled, listen, port, ttl, forward == null ? null : List.copyOf(forward));
    }

    private static InetSocketAddress resolver(SectionReader dns, String text) throws PluginConfigException {
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
        throw dns.error("forward", "'" + text + "' is not a resolver's address (198.18.0.254 or 198.18.0.254:53)");
    }
}
