package dev.overlayd.containers.driver;

import dev.overlayd.containers.host.HostNetwork;
import java.io.IOException;
import java.net.Inet4Address;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/** The host's links and routes as the driver sees them, in memory; a failure can be set for the next route. */
final class FakeHostNetwork implements HostNetwork {
    /** Link name to MTU: both ends of every veth. */
    final Map<String, Integer> links = new LinkedHashMap<>();
    /** Host end to the container address routed through it. */
    final Map<String, Inet4Address> routes = new LinkedHashMap<>();
    int prepared;
    String failNextRoute;

    @Override
    public void prepare() {
        prepared++;
    }

    @Override
    public void createVeth(String hostEnd, String containerEnd, int mtu) {
        links.put(hostEnd, mtu);
        links.put(containerEnd, mtu);
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
            links.remove("ovc" + suffix);
            links.remove("ovp" + suffix);
            routes.remove("ovc" + suffix);
        }
    }

    @Override
    public Set<String> links(String prefix) {
        Set<String> names = new TreeSet<>();
        for (String name : links.keySet()) {
            if (name.startsWith(prefix)) {
                names.add(name);
            }
        }
        return names;
    }
}
