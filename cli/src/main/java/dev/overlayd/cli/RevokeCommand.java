package dev.overlayd.cli;

import java.io.IOException;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import dev.overlayd.cli.control.ControlClient;
import dev.overlayd.cli.control.ControlException;
import dev.overlayd.membership.identity.IdentityException;
import dev.overlayd.membership.identity.RevocationList;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

@Command(name = "revoke", mixinStandardHelpOptions = true,
        description = "Hand a CA-signed revocation list (from `overlayctl cert revoke`) to this node, which cuts the revoked nodes off and spreads the list to the whole cluster.")
final class RevokeCommand implements Callable<Integer> {
    @ParentCommand
    Overlayctl parent;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Parameters(index = "0", paramLabel = "FILE", description = "The revocation list (revoked.crl in the CA's directory).")
    Path file;

    @Parameters(index = "1", arity = "0..1", paramLabel = "IFNAME", description = "The interface; the only one running when omitted.")
    String interfaceName;

    @Override
    public Integer call() throws ControlException, IOException, IdentityException {
        byte[] der = RevocationList.read(file);
        ControlClient client = new ControlClient(parent.controlDirectory);
        for (String name : parent.interfaces(client, interfaceName)) {
            client.revoke(name, der);
            spec.commandLine().getOut().println(name + ": revocation list adopted; spreading to the cluster");
        }
        return 0;
    }
}
