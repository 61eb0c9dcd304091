package dev.overlayd.containers.driver;

import dev.overlayd.containers.driver.DriverState.Endpoint;
import dev.overlayd.containers.driver.DriverState.Network;
import dev.overlayd.containers.driver.RemoteApi.CreateEndpoint;
import dev.overlayd.containers.driver.RemoteApi.CreateNetwork;
import dev.overlayd.containers.driver.RemoteApi.IpamData;
import dev.overlayd.containers.driver.RemoteApi.InterfaceName;
import dev.overlayd.containers.driver.RemoteApi.JoinReply;
import dev.overlayd.containers.driver.RemoteApi.StaticRoute;
import dev.overlayd.containers.host.HostNetwork;
import dev.overlayd.node.plugin.NodeIdentity;
import dev.overlayd.peers.IpPrefix;
import java.io.IOException;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.util.List;
import java.util.Set;
import java.util.function.IntSupplier;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

/**
 * What the driver's calls do. A network is accepted only on this node's container subnet with the
 * node's address as gateway; Docker's IPAM picks each endpoint's address in it. A Join makes a veth
 * pair whose host end is a routed point-to-point link to that one address (no bridge, as Calico
 * does), and hands the other end to Docker with a static route for the overlay range through the
 * node and no gateway, so the container's default route stays on Docker's bridge. Calls are
 * serialized: each one reads and writes the saved state.
 */
final class NetworkDriver {
    private static final Logger LOG = System.getLogger(NetworkDriver.class.getName());
    /** Host ends of container veths; the filter matches them by this prefix, and a restart sweeps the unowned ones. */
    static final String HOST_END_PREFIX = "ovc";
    static final String CONTAINER_END_PREFIX = "ovp";
    /** Docker's ids are 64 hex digits; only hex gets near a link name. */
    private static final Pattern ID = Pattern.compile("[0-9a-f]{8,64}");
    private static final int ROUTE_NEXT_HOP = 0;

    private final NodeIdentity self;
    private final IntSupplier mtu;
    private final HostNetwork host;
    private final DriverState state;

    NetworkDriver(NodeIdentity self, IntSupplier mtu, HostNetwork host, DriverState state) {
        this.self = self;
        this.mtu = mtu;
        this.host = host;
        this.state = state;
    }

    /**
     * Makes the host agree with the saved state after a restart: endpoints still attached get their
     * route and sysctls again (their containers keep running); joined endpoints that are not
     * attached any more belonged to containers that went away meanwhile and are forgotten, their
     * veth deleted if Docker gave it back; container veths no endpoint owns are deleted.
     */
    synchronized void restore() throws IOException {
        Links links = links();
        for (Endpoint endpoint : state.endpoints().values()) {
            if (links.attached(endpoint)) {
                try {
                    host.route(endpoint.hostEnd(), address(endpoint));
                } catch (IOException e) {
                    // One container's trouble must not keep the driver, and so every container, from starting.
                    LOG.log(Level.WARNING, "network driver: cannot restore the route of endpoint {0} ({1}): {2}",
                            shortId(endpoint.id()), endpoint.address(), e.getMessage());
                }
            } else if (endpoint.joined()) {
                LOG.log(Level.INFO, "network driver: forgetting endpoint {0} ({1}): its container is gone",
                        shortId(endpoint.id()), endpoint.address());
                host.deleteLink(endpoint.hostEnd());
                state.removeEndpoint(endpoint.id());
            }
        }
        Set<String> owned = state.endpoints().values().stream().map(Endpoint::hostEnd).collect(Collectors.toSet());
        for (String link : links.hostEnds()) {
            if (!owned.contains(link)) {
                LOG.log(Level.INFO, "network driver: deleting {0}, a container veth no endpoint owns", link);
                host.deleteLink(link);
            }
        }
    }

    /**
     * The veth ends in the host's namespace. An endpoint is attached while its host end is here
     * and its container end is not: when a container goes away without a Leave reaching the driver
     * (dockerd stopped while the driver was down), Docker moves the container end back here, and
     * when its namespace is destroyed, both ends go.
     */
    private record Links(Set<String> hostEnds, Set<String> containerEnds) {
        boolean attached(Endpoint endpoint) {
            return hostEnds.contains(endpoint.hostEnd()) && !containerEnds.contains(endpoint.containerEnd());
        }
    }

    private Links links() throws IOException {
        return new Links(host.links(HOST_END_PREFIX), host.links(CONTAINER_END_PREFIX));
    }

    synchronized void createNetwork(CreateNetwork call) throws DriverException, IOException {
        String id = id("NetworkID", call.networkId());
        IpPrefix subnet = self.containerSubnet();
        if (subnet == null) {
            throw new DriverException("this node's certificate has no container subnet");
        }
        String expected = "--subnet " + subnet + " --gateway " + self.address().getHostAddress();
        if (call.ipv6Data() != null && !call.ipv6Data().isEmpty()) {
            throw new DriverException("the overlay network is IPv4 only: create it without IPv6, with " + expected);
        }
        List<IpamData> pools = call.ipv4Data() == null ? List.of() : call.ipv4Data();
        if (pools.size() != 1 || pools.getFirst().pool() == null || pools.getFirst().gateway() == null) {
            throw new DriverException("the overlay network needs exactly one pool and gateway: " + expected);
        }
        IpamData data = pools.getFirst();
        IpPrefix pool = prefix("Pool", data.pool());
        InetAddress gateway = hostAddress("Gateway", data.gateway());
        if (!pool.equals(subnet) || !self.address().equals(gateway)) {
            throw new DriverException("pool " + data.pool() + " with gateway " + data.gateway()
                    + " is not this node's container subnet: " + expected);
        }
        state.put(new Network(id, pool.toString(), self.address().getHostAddress()));
        LOG.log(Level.INFO, "network driver: network {0} on {1}", shortId(id), pool);
    }

    /**
     * Docker's IPAM never hands out a live endpoint's address, so another endpoint holding it is one
     * whose container went away without a Leave: forgotten (and its veth deleted, if Docker gave
     * it back), unless it is still attached, since routing the address to a second veth would take
     * it from the first.
     */
    private void forgetStale(String address) throws DriverException, IOException {
        Links links = null;
        for (Endpoint other : state.endpoints().values()) {
            if (other.address().equals(address)) {
                links = links == null ? links() : links;
                if (links.attached(other)) {
                    throw new DriverException("address " + address + " is still in use by endpoint " + shortId(other.id()));
                }
                LOG.log(Level.INFO, "network driver: forgetting endpoint {0}: {1} was given to a new one",
                        shortId(other.id()), address);
                host.deleteLink(other.hostEnd());
                state.removeEndpoint(other.id());
            }
        }
    }

    synchronized void deleteNetwork(String networkId) throws DriverException, IOException {
        state.removeNetwork(network(networkId).id());
    }

    synchronized void createEndpoint(CreateEndpoint call) throws DriverException, IOException {
        Network network = network(call.networkId());
        String id = id("EndpointID", call.endpointId());
        var requested = call.endpointInterface();
        if (requested == null || requested.address() == null || requested.address().isEmpty()) {
            throw new DriverException("endpoint " + shortId(id) + " has no address: the overlay network takes its addresses from Docker's IPAM");
        }
        if (requested.addressIpv6() != null && !requested.addressIpv6().isEmpty()) {
            throw new DriverException("the overlay network is IPv4 only, endpoint " + shortId(id) + " asked for " + requested.addressIpv6());
        }
        InetAddress address = hostAddress("Address", requested.address());
        IpPrefix pool = IpPrefix.parse(network.pool());
        if (!(address instanceof Inet4Address) || !pool.contains(address.getAddress())
                || address.equals(self.address())) {
            throw new DriverException("address " + requested.address() + " is not a container address in " + pool);
        }
        String hostEnd = HOST_END_PREFIX + id.substring(0, 8);
        Endpoint existing = state.endpoint(id);
        if (existing != null) {
            if (existing.address().equals(address.getHostAddress())) {
                return;
            }
            throw new DriverException("endpoint " + shortId(id) + " exists with address " + existing.address());
        }
        for (Endpoint other : state.endpoints().values()) {
            if (other.hostEnd().equals(hostEnd)) {
                throw new DriverException("endpoint " + shortId(id) + " shares its first 8 digits with " + shortId(other.id()));
            }
        }
        forgetStale(address.getHostAddress());
        state.put(new Endpoint(id, network.id(), address.getHostAddress(), hostEnd,
                CONTAINER_END_PREFIX + id.substring(0, 8), false));
    }

    synchronized void deleteEndpoint(String networkId, String endpointId) throws DriverException, IOException {
        Endpoint endpoint = endpoint(networkId, endpointId);
        if (endpoint.joined()) {
            // No Leave came first: the veth must not outlive the endpoint.
            host.deleteLink(endpoint.hostEnd());
        }
        state.removeEndpoint(endpoint.id());
    }

    /** Checks that the endpoint exists, for the calls that have nothing to do with one that does. */
    synchronized void requireEndpoint(String networkId, String endpointId) throws DriverException {
        endpoint(networkId, endpointId);
    }

    synchronized JoinReply join(String networkId, String endpointId) throws DriverException, IOException {
        Endpoint endpoint = endpoint(networkId, endpointId);
        int linkMtu = mtu.getAsInt();
        try {
            host.createVeth(endpoint.hostEnd(), endpoint.containerEnd(), linkMtu);
            host.route(endpoint.hostEnd(), address(endpoint));
        } catch (IOException e) {
            try {
                host.deleteLink(endpoint.hostEnd());
            } catch (IOException cleanup) {
                e.addSuppressed(cleanup);
            }
            throw new DriverException("cannot connect endpoint " + shortId(endpoint.id()) + ": " + e.getMessage(), e);
        }
        state.put(endpoint.withJoined(true));
        LOG.log(Level.INFO, "network driver: {0} joined, {1} via {2} (MTU {3})",
                shortId(endpoint.id()), endpoint.address(), endpoint.hostEnd(), Integer.toString(linkMtu));
        return new JoinReply(new InterfaceName(endpoint.containerEnd(), "eth"),
                List.of(new StaticRoute(self.overlay().toString(), ROUTE_NEXT_HOP, self.address().getHostAddress())),
                true);
    }

    synchronized void leave(String networkId, String endpointId) throws DriverException, IOException {
        Endpoint endpoint = endpoint(networkId, endpointId);
        host.deleteLink(endpoint.hostEnd());
        state.put(endpoint.withJoined(false));
        LOG.log(Level.INFO, "network driver: {0} left, {1}", shortId(endpoint.id()), endpoint.address());
    }

    private Network network(String networkId) throws DriverException {
        Network network = state.network(id("NetworkID", networkId));
        if (network == null) {
            throw new DriverException("unknown network " + shortId(networkId));
        }
        return network;
    }

    private Endpoint endpoint(String networkId, String endpointId) throws DriverException {
        String id = id("EndpointID", endpointId);
        Network network = network(networkId);
        Endpoint endpoint = state.endpoint(id);
        if (endpoint == null || !endpoint.network().equals(network.id())) {
            throw new DriverException("unknown endpoint " + shortId(endpointId) + " on network " + shortId(networkId));
        }
        return endpoint;
    }

    private static String id(String field, String value) throws DriverException {
        if (value == null || !ID.matcher(value).matches()) {
            throw new DriverException(field + " must be 8 to 64 hex digits, not " + (value == null ? "missing" : "\"" + LogText.printable(value) + "\""));
        }
        return value;
    }

    private static IpPrefix prefix(String field, String value) throws DriverException {
        try {
            return IpPrefix.parse(value);
        } catch (IllegalArgumentException e) {
            throw new DriverException(field + " is not address/length: \"" + LogText.printable(value) + "\"");
        }
    }

    /** The address part of "a.b.c.d/len", as Docker writes addresses and gateways. */
    private static InetAddress hostAddress(String field, String value) throws DriverException {
        prefix(field, value);
        int slash = value.indexOf('/');
        return InetAddress.ofLiteral(slash < 0 ? value.strip() : value.substring(0, slash).strip());
    }

    private static Inet4Address address(Endpoint endpoint) {
        return (Inet4Address) InetAddress.ofLiteral(endpoint.address());
    }

    private static String shortId(String id) {
        return LogText.printable(id != null && id.length() > 12 ? id.substring(0, 12) : id);
    }

}
