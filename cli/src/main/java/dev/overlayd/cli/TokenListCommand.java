package dev.overlayd.cli;

import java.io.PrintWriter;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import dev.overlayd.cli.control.ControlClient;
import dev.overlayd.cli.control.ControlException;
import dev.overlayd.node.control.Durations;
import com.fasterxml.jackson.core.JsonProcessingException;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.ParentCommand;

@Command(name = "list", mixinStandardHelpOptions = true,
        description = "List this node's join tokens (never their secrets): id, state, uses, expiry, groups.")
final class TokenListCommand implements Callable<Integer> {
    @ParentCommand
    TokenCommand token;

    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--json", description = "Print the tokens as a JSON object, for scripts.")
    boolean json;

    @Parameters(arity = "0..1", paramLabel = "IFNAME", description = "The interface; the only one running when omitted.")
    String interfaceName;

    /** The daemon's reply to token-list; times in epoch seconds, uses 0 unlimited. */
    record Tokens(List<Token> tokens) {}

    record Token(String id, long created, long expires, int uses, int used, List<String> groups, boolean revoked) {
        String state(long now) {
            return revoked ? "revoked" : now >= expires ? "expired" : uses != 0 && used >= uses ? "used up" : "usable";
        }
    }

    @Override
    public Integer call() throws ControlException, JsonProcessingException {
        Overlayctl parent = token.parent;
        ControlClient client = new ControlClient(parent.controlDirectory);
        Tokens reply = client.request(parent.oneInterface(client, interfaceName), "token-list", Tokens.class);
        List<Token> tokens = reply.tokens() == null ? List.of() : reply.tokens();
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            out.println(Overlayctl.json(new Tokens(tokens)));
        } else {
            long now = Instant.now().getEpochSecond();
            List<String[]> rows = new ArrayList<>();
            rows.add(new String[] {"ID", "STATE", "USED", "EXPIRES", "GROUPS"});
            for (Token t : tokens) {
                rows.add(new String[] {t.id(), t.state(now), t.used() + "/" + (t.uses() == 0 ? "unlimited" : t.uses()),
                        now < t.expires() ? "in " + Durations.coarse(t.expires() - now)
                                : Durations.coarse(now - t.expires()) + " ago",
                        t.groups() == null || t.groups().isEmpty() ? "-" : String.join(",", t.groups())});
            }
            Columns.print(out, rows);
        }
        out.flush();
        return 0;
    }
}
