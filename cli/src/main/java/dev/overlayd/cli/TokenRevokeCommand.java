package dev.overlayd.cli;

import java.util.concurrent.Callable;
import dev.overlayd.cli.control.ControlClient;
import dev.overlayd.cli.control.ControlException;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

@Command(name = "revoke", mixinStandardHelpOptions = true,
        description = "Revoke a join token: no instance enrols with it any more. Nodes it enrolled keep their certificates.")
final class TokenRevokeCommand implements Callable<Integer> {
    @ParentCommand
    TokenCommand token;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Parameters(index = "0", paramLabel = "ID", description = "The token's id, as token list shows it.")
    String id;

    @Parameters(index = "1", arity = "0..1", paramLabel = "IFNAME", description = "The interface; the only one running when omitted.")
    String interfaceName;

    /** The daemon's reply to token-revoke. */
    record Revoked(boolean revoked) {}

    @Override
    public Integer call() throws ControlException {
        if (!id.matches("[0-9a-f]{8}")) {
            throw new ControlException("not a token id (8 lowercase hex digits): " + id);
        }
        Overlayctl parent = token.parent;
        ControlClient client = new ControlClient(parent.controlDirectory);
        String name = parent.oneInterface(client, interfaceName);
        if (!client.request(name, "token-revoke " + id, Revoked.class).revoked()) {
            throw new ControlException(name + ": no token " + id);
        }
        spec.commandLine().getOut().println(name + ": token " + id + " revoked");
        return 0;
    }
}
