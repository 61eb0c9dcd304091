package dev.overlayd.cli;

import java.io.PrintWriter;
import java.util.List;
import java.util.concurrent.Callable;
import dev.overlayd.cli.control.ControlClient;
import dev.overlayd.cli.control.ControlException;
import dev.overlayd.node.control.InterfaceStatus;
import com.fasterxml.jackson.core.JsonProcessingException;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.ParentCommand;

@Command(name = "peers", mixinStandardHelpOptions = true,
        description = "Show each peer: name, key, endpoint, allowed IPs, last handshake, traffic and rate, drops, and a verdict.")
final class PeersCommand implements Callable<Integer> {
    @ParentCommand
    Overlayctl parent;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @CommandLine.Mixin
    StatusQuery query;

    @Override
    public Integer call() throws ControlException, JsonProcessingException {
        List<InterfaceStatus> interfaces = parent.askEach(query.interfaceName, ControlClient::peers);
        PrintWriter out = spec.commandLine().getOut();
        if (query.json) {
            out.println(Overlayctl.json(interfaces));
        } else {
            out.print(new PeersTable(Terminal.colour()).render(interfaces));
        }
        out.flush();
        return 0;
    }
}
