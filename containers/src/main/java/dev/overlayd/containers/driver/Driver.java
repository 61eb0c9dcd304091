package dev.overlayd.containers.driver;

import dev.overlayd.containers.ContainerPorts;
import dev.overlayd.containers.host.HostNetwork;
import dev.overlayd.containers.host.LinuxHostNetwork;
import dev.overlayd.node.plugin.NodeIdentity;
import java.io.IOException;
import java.nio.file.Path;
import java.util.function.IntSupplier;

/**
 * overlayd's Docker network driver (a legacy remote driver, "overlayd"), serving dockerd on a
 * root-only Unix socket; the same socket serves the authorization plugin "overlayd", which
 * dockerd uses when its daemon.json names it (see {@link AuthZCalls}). Containers joined to its network get a routed veth to this node with the
 * overlay's range routed through it; the host side allows them the overlay and nothing wider.
 */
public final class Driver implements ContainerPorts, AutoCloseable {
    /** Docker finds a legacy plugin by its socket's name: /run/docker/plugins/overlayd.sock → driver "overlayd". */
    public static final String NAME = "overlayd";
    public static final Path DEFAULT_SOCKET = Path.of("/run/docker/plugins/" + NAME + ".sock");

    private final PluginSocket socket;
    private final HostNetwork host;

    private Driver(PluginSocket socket, HostNetwork host) {
        this.socket = socket;
        this.host = host;
    }

    /**
     * Prepares the host (forwarding, filter) and serves the driver on socket, state kept in
     * stateDirectory, and the authorization plugin, whose container starts wait for startGate.
     */
    public static Driver start(Path socket, Path stateDirectory, NodeIdentity self, IntSupplier mtu, StartGate startGate)
            throws IOException {
        return start(socket, stateDirectory, self, mtu, new LinuxHostNetwork(self.interfaceName()), startGate);
    }

    static Driver start(Path socket, Path stateDirectory, NodeIdentity self, IntSupplier mtu, HostNetwork host,
                        StartGate startGate) throws IOException {
        host.prepare();
        NetworkDriver driver = new NetworkDriver(self, mtu, host, DriverState.load(stateDirectory));
        driver.restore();
        return new Driver(PluginSocket.serve(socket, new PluginCalls(new DriverCalls(driver),
                new AuthZCalls(startGate, AuthZCalls.START_WAIT))), host);
    }

    /** Through the filter {@link HostNetwork#prepare} placed: containers reach nothing else of the node. */
    @Override
    public void offer(String protocol, int port) throws IOException {
        host.offer(protocol, port);
    }

    @Override
    public void withdraw(String protocol, int port) throws IOException {
        host.withdraw(protocol, port);
    }

    /**
     * Stops serving and removes the socket. Containers' veths, routes and the filter stay: running
     * containers keep their overlay while overlayd restarts, and the next start adopts them.
     */
    @Override
    public void close() {
        socket.close();
    }
}
