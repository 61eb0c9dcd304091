package dev.overlayd.containers.host;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.Inet4Address;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * {@link HostNetwork} on Linux, in the calling thread's network namespace: links and routes through
 * iproute2's {@code ip}, the filter through {@code nft -f -}, and sysctls written to /proc/sys.
 * Forwarding is enabled per interface (the overlay interface and each container veth), never
 * through net.ipv4.ip_forward, which would turn it on for every interface of the host. Where
 * dockerd's iptables FORWARD chain would drop the containers' traffic, {@link IptablesForward}
 * accepts it there, checked again with every routed veth since dockerd may start after overlayd.
 */
public final class LinuxHostNetwork implements HostNetwork {
    private static final Path CONF = Path.of("/proc/sys/net/ipv4/conf");
    private static final Pattern LINK = Pattern.compile("[A-Za-z0-9_.-]{1,15}");
    private static final ObjectMapper JSON = new ObjectMapper();

    private final String overlayInterface;
    private final IptablesForward dockerForward;

    public LinuxHostNetwork(String overlayInterface) {
        if (overlayInterface.startsWith(ContainerFilter.VETH_PREFIX)) {
            // The filter tells containers' veths from the overlay interface by this prefix.
            throw new IllegalArgumentException("the overlay interface " + overlayInterface + " starts with "
                    + ContainerFilter.VETH_PREFIX + ", the prefix of containers' veths: name it otherwise to run containers");
        }
        this.overlayInterface = link(overlayInterface);
        this.dockerForward = new IptablesForward(this.overlayInterface);
    }

    @Override
    public void prepare() throws IOException {
        sysctl(overlayInterface, "forwarding", "1");
        Command.of("nft", "-f", "-").run(ContainerFilter.ruleset(overlayInterface));
        dockerForward.ensure();
    }

    @Override
    public void createVeth(String hostEnd, String containerEnd, int mtu) throws IOException {
        deleteLink(hostEnd);
        deleteLink(containerEnd);
        String m = Integer.toString(mtu);
        Command.of("ip", "link", "add", link(hostEnd), "mtu", m, "type", "veth", "peer", "name", link(containerEnd), "mtu", m).run();
    }

    @Override
    public void route(String hostEnd, Inet4Address container) throws IOException {
        String name = link(hostEnd);
        sysctl(name, "forwarding", "1");
        // Answers the container's ARP for the node's address and for the other containers, which
        // all lie in its /24 but sit behind other veths.
        sysctl(name, "proxy_arp", "1");
        sysctl(name, "rp_filter", "1");
        Command.of("ip", "link", "set", "dev", name, "up").run();
        Command.of("ip", "route", "replace", container.getHostAddress() + "/32", "dev", name).run();
        dockerForward.ensure();
    }

    @Override
    public void deleteLink(String name) throws IOException {
        Command.Result result = Command.of("ip", "link", "del", "dev", link(name)).tryRun(null);
        if (result.status() != 0 && !result.stderr().contains("Cannot find device")) {
            throw new IOException("ip link del dev " + name + " failed (exit " + result.status() + "): " + result.stderr());
        }
    }

    @Override
    public Set<String> links(String prefix) throws IOException {
        Set<String> names = new LinkedHashSet<>();
        Pattern ours = Pattern.compile(Pattern.quote(prefix) + "[0-9a-f]{8}");
        for (JsonNode link : JSON.readTree(Command.of("ip", "-j", "link", "show", "type", "veth").run())) {
            String name = link.path("ifname").asText();
            if (ours.matcher(name).matches()) {
                names.add(name);
            }
        }
        return names;
    }

    @Override
    public void offer(String protocol, int port) throws IOException {
        Command.of("nft", "add", "element", "inet", ContainerFilter.tableName(overlayInterface), ContainerFilter.OFFERED_SET,
                element(protocol, port)).run();
    }

    @Override
    public void withdraw(String protocol, int port) throws IOException {
        Command.Result result = Command.of("nft", "delete", "element", "inet", ContainerFilter.tableName(overlayInterface),
                ContainerFilter.OFFERED_SET, element(protocol, port)).tryRun(null);
        if (result.status() != 0 && !result.stderr().contains("No such file")) {
            throw new IOException("nft delete element failed (exit " + result.status() + "): " + result.stderr());
        }
    }

    private static String element(String protocol, int port) {
        if (!protocol.equals("tcp") && !protocol.equals("udp")) {
            throw new IllegalArgumentException("a port offered to containers is tcp or udp, not " + protocol);
        }
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException("not a port: " + port);
        }
        return "{ " + protocol + " . " + port + " }";
    }

    private static void sysctl(String link, String key, String value) throws IOException {
        Files.writeString(CONF.resolve(link).resolve(key), value);
    }

    private static String link(String name) {
        if (!LINK.matcher(name).matches()) {
            throw new IllegalArgumentException("not a link name (1 to 15 of A-Z a-z 0-9 _ . -): " + name);
        }
        return name;
    }
}
