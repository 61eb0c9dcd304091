package dev.overlayd.containers.driver;

import dev.overlayd.node.plugin.NodeIdentity;
import dev.overlayd.peers.IpPrefix;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * The driver as a process of its own, as overlayd runs it: started in a test host's namespaces
 * (through {@code DockerHost.inside}), it serves on {@link Driver#DEFAULT_SOCKET}, says "ready",
 * and stops when its standard input closes; a test kills it to play a crashed overlayd.
 * Arguments: state directory, node address, container subnet, overlay range, overlay interface, MTU.
 */
public final class DriverProcess {
    private DriverProcess() {}

    public static void main(String[] args) throws IOException {
        NodeIdentity self = new NodeIdentity("node", InetAddress.ofLiteral(args[1]), IpPrefix.parse(args[2]),
                List.of(), IpPrefix.parse(args[3]), args[4]);
        int mtu = Integer.parseInt(args[5]);
        try (Driver driver = Driver.start(Driver.DEFAULT_SOCKET, Path.of(args[0]), self, () -> mtu, StartGate.OPEN)) {
            System.out.println("ready");
            System.out.flush();
            while (System.in.read() >= 0) {
                // Until the test closes our input.
            }
        }
    }

    /** The command that runs this class with the test's own JVM and class path. */
    static List<String> command(String... args) {
        List<String> command = new ArrayList<>(List.of(ProcessHandle.current().info().command().orElseThrow(),
                "-cp", System.getProperty("java.class.path"), DriverProcess.class.getName()));
        command.addAll(List.of(args));
        return command;
    }
}
