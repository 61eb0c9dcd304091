package dev.overlayd.cli;

import java.io.PrintWriter;
import java.util.List;
import dev.overlayd.cli.control.ControlClient;
import dev.overlayd.cli.control.ControlException;
import dev.overlayd.node.control.InterfaceStatus;
import picocli.CommandLine;
import picocli.CommandLine.Command;

@Command(name = "peers", mixinStandardHelpOptions = true,
        description = "Show each peer: name, key, endpoint, allowed IPs, last handshake, traffic and rate, drops, and a verdict.")
final class PeersCommand extends StatusCommand<InterfaceStatus> {
    @CommandLine.Mixin
    StatusQuery query;

    @Override
    Query query() {
        return query;
    }

    @Override
    InterfaceStatus ask(ControlClient client, String interfaceName) throws ControlException {
        return client.peers(interfaceName);
    }

    @Override
    void print(PrintWriter out, List<InterfaceStatus> interfaces) {
        out.print(new PeersTable(Terminal.colour()).render(interfaces));
    }
}
