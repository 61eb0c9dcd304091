package dev.overlayd.cli;

import java.io.PrintWriter;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import dev.overlayd.cli.control.ControlClient;
import dev.overlayd.cli.control.ControlException;
import dev.overlayd.node.control.Durations;
import picocli.CommandLine;
import picocli.CommandLine.Command;

@Command(name = "containers", mixinStandardHelpOptions = true,
        description = "List the containers this node attached to the overlay (name, id, overlay address, state, since) and those it skipped, with why.")
final class ContainersCommand extends StatusCommand<ContainersCommand.Containers> {
    @CommandLine.Mixin
    StatusQuery query;

    @Override
    Query query() {
        return query;
    }

    /** The containers plugin's reply to "containers", and the interface it came from; times are epoch seconds. */
    record Containers(String interfaceName, String network, String subnet, String docker, List<Attached> attached,
                      List<Skipped> skipped) {}

    record Attached(String name, String id, String address, String state, long since) {}

    record Skipped(String name, String id, String reason, long since) {}

    @Override
    Containers ask(ControlClient client, String name) throws ControlException {
        Containers c = client.request(name, "containers", Containers.class);
        return new Containers(name, c.network(), c.subnet(), c.docker(), orEmpty(c.attached()), orEmpty(c.skipped()));
    }

    @Override
    void print(PrintWriter out, List<Containers> hosts) {
        long now = Instant.now().getEpochSecond();
        for (Containers c : hosts) {
            out.printf("%s: network %s (%s), docker %s, %d attached, %d skipped%n", c.interfaceName(), c.network(),
                    c.subnet(), c.docker(), c.attached().size(), c.skipped().size());
            List<String[]> rows = new ArrayList<>();
            rows.add(new String[] {"NAME", "ID", "ADDRESS", "STATE", "SINCE"});
            for (Attached a : c.attached()) {
                rows.add(new String[] {a.name(), shortId(a.id()), a.address() == null ? "-" : a.address(), a.state(),
                        ago(now, a.since())});
            }
            Columns.print(out, rows);
            if (!c.skipped().isEmpty()) {
                out.println("  skipped:");
                rows = new ArrayList<>();
                rows.add(new String[] {"NAME", "ID", "SINCE", "REASON"});
                for (Skipped s : c.skipped()) {
                    rows.add(new String[] {s.name(), shortId(s.id()), ago(now, s.since()), s.reason()});
                }
                Columns.print(out, rows);
            }
        }
    }

    /** Docker's own short form of an id. */
    private static String shortId(String id) {
        return id == null ? "-" : id.length() > 12 ? id.substring(0, 12) : id;
    }

    private static String ago(long now, long since) {
        return Durations.coarse(Math.max(0, now - since)) + " ago";
    }
}
