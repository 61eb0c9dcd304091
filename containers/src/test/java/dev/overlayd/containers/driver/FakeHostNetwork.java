package dev.overlayd.containers.driver;

import dev.overlayd.containers.host.HostNetwork;
import java.io.IOException;
import java.net.Inet4Address;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * The host's links and routes as the driver sees them, in memory; a failure can be set for the
 * next route. A veth's container end goes straight into a sandbox, as Docker moves it after the Join.
 */
final class FakeHostNetwork implements HostNetwork {
    /** Links in the host's namespace, name to MTU. */
    final Map<String, Integer> links = new LinkedHashMap<>();
    /** Container ends that Docker moved into containers' namespaces. */
    final Map<String, Integer> inSandbox = new LinkedHashMap<>();
    /** Host end to the container address routed through it. */
    final Map<String, Inet4Address> routes = new LinkedHashMap<>();
    /** Ports offered to containers, as {@code udp/53}. */
    final Set<String> offered = new TreeSet<>();
    int prepared;
    String failNextRoute;

    @Override
    public void prepare() {
        prepared++;
    }

    @Override
    public void createVeth(String hostEnd, String containerEnd, int mtu) {
        links.put(hostEnd, mtu);
        inSandbox.put(containerEnd, mtu);
    }

    @Override
    public void route(String hostEnd, Inet4Address container) throws IOException {
        if (failNextRoute != null) {
            String message = failNextRoute;
            failNextRoute = null;
            throw new IOException(message);
        }
        if (!links.containsKey(hostEnd)) {
            throw new IOException("Cannot find device \"" + hostEnd + "\"");
        }
        routes.put(hostEnd, container);
    }

    @Override
    public void deleteLink(String name) {
        if (links.remove(name) != null) {
            // Either end takes its peer along, and the route through the pair.
            String suffix = name.substring(3);
            for (String end : new String[] {"ovc" + suffix, "ovp" + suffix}) {
                links.remove(end);
                inSandbox.remove(end);
            }
            routes.remove("ovc" + suffix);
        }
    }

    @Override
    public void offer(String protocol, int port) {
        offered.add(protocol + "/" + port);
    }

    @Override
    public void withdraw(String protocol, int port) {
        offered.remove(protocol + "/" + port);
    }

    /** What Docker does with a container end when the container goes and no Leave was answered. */
    void giveBack(String containerEnd) {
        links.put(containerEnd, inSandbox.remove(containerEnd));
    }

    /** What the kernel does when a container's namespace goes: the pair and its route are gone. */
    void destroySandbox(String containerEnd) {
        inSandbox.remove(containerEnd);
        deleteLink("ovc" + containerEnd.substring(3));
    }

    @Override
    public Set<String> links(String prefix) {
        Set<String> names = new TreeSet<>();
        for (String name : links.keySet()) {
            if (name.matches(java.util.regex.Pattern.quote(prefix) + "[0-9a-f]{8}")) {
                names.add(name);
            }
        }
        return names;
    }
}
