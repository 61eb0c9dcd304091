package dev.overlayd.cli;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.Callable;
import dev.overlayd.cli.control.ControlClient;
import dev.overlayd.cli.control.ControlException;
import dev.overlayd.membership.identity.CertificateAuthority;
import dev.overlayd.membership.identity.IdentityException;
import dev.overlayd.node.control.ControlProtocol;
import com.fasterxml.jackson.core.JsonProcessingException;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

@Command(name = "create", mixinStandardHelpOptions = true,
        description = "Create a join token on this node's issuer; prints the token alone (for a launch template),"
                + " its id and expiry on stderr.")
final class TokenCreateCommand implements Callable<Integer> {
    @ParentCommand
    TokenCommand token;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--ttl", paramLabel = "DURATION", defaultValue = "24h",
            description = "How long the token can be used, e.g. 30m, 24h, 7d (default: ${DEFAULT-VALUE}).")
    Duration ttl;

    @Option(names = "--uses", paramLabel = "N", defaultValue = "1",
            description = "How many instances may enrol with it; 0 for any number until it expires (default: ${DEFAULT-VALUE}).")
    int uses;

    @Option(names = "--group", paramLabel = "GROUP", description = "A group the enrolled nodes get; repeatable.")
    List<String> groups = List.of();

    @Parameters(arity = "0..1", paramLabel = "IFNAME", description = "The interface; the only one running when omitted.")
    String interfaceName;

    /** The argument of the control command token-create; the ttl in seconds. */
    record Request(long ttl, int uses, List<String> groups) {}

    /** The daemon's reply; expires in epoch seconds. */
    record Created(String token, String id, long expires) {}

    @Override
    public Integer call() throws ControlException, IdentityException, JsonProcessingException {
        if (ttl.toSeconds() < 1) {
            throw new IdentityException("a token's --ttl must be a second at least, not " + ttl);
        }
        if (uses < 0) {
            throw new IdentityException("--uses must be 0 (unlimited) or more, not " + uses);
        }
        CertificateAuthority.checkGroups(groups);
        Overlayctl parent = token.parent;
        ControlClient client = new ControlClient(parent.controlDirectory);
        String name = parent.oneInterface(client, interfaceName);
        String argument = ControlProtocol.JSON.writeValueAsString(new Request(ttl.toSeconds(), uses, groups));
        Created created = client.request(name, "token-create " + argument, Created.class);
        spec.commandLine().getOut().println(created.token());
        spec.commandLine().getOut().flush();
        spec.commandLine().getErr().println("token " + created.id() + ": " + (uses == 0 ? "any number of uses" : uses
                + (uses == 1 ? " use" : " uses")) + ", until " + Instant.ofEpochSecond(created.expires())
                + (groups.isEmpty() ? "" : ", groups " + String.join(", ", groups)));
        return 0;
    }
}
