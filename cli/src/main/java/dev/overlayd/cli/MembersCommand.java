package dev.overlayd.cli;

import java.io.PrintWriter;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import dev.overlayd.node.control.ClusterStatus;
import dev.overlayd.cli.control.ControlClient;
import dev.overlayd.cli.control.ControlException;
import dev.overlayd.node.control.Durations;
import dev.overlayd.node.control.MemberStatus;
import picocli.CommandLine;
import picocli.CommandLine.Command;

@Command(name = "members", mixinStandardHelpOptions = true,
        description = "List the cluster as this node sees it: each member's name, address, container subnet, endpoint and certificate expiry.")
final class MembersCommand extends StatusCommand<ClusterStatus> {
    @CommandLine.Mixin
    StatusQuery query;

    @Override
    Query query() {
        return query;
    }

    @Override
    ClusterStatus ask(ControlClient client, String interfaceName) throws ControlException {
        return client.members(interfaceName);
    }

    @Override
    void print(PrintWriter out, List<ClusterStatus> clusters) {
        for (ClusterStatus c : clusters) {
            out.printf("%s: cluster %s, overlay %s, %s membership, %d members%n", c.interfaceName(), c.cluster(),
                    c.overlay(), c.backend(), c.members().size());
            out.printf("  %-16s %-11s %-8s %-15s %-18s %-22s %s%n", "NAME", "KIND", "STATE", "ADDRESS", "SUBNET",
                    "ENDPOINT", "EXPIRES");
            for (MemberStatus m : c.members()) {
                out.printf("  %-16s %-11s %-8s %-15s %-18s %-22s %s%n", m.name(), m.kind().replace('_', ' '),
                        m.state(), m.address(),
                        m.subnet() == null ? "-" : m.subnet(), m.endpoint() == null ? "-" : m.endpoint(),
                        expiry(m.notAfter()));
            }
        }
    }

    private static String expiry(long notAfter) {
        Duration left = Duration.between(Instant.now(), Instant.ofEpochSecond(notAfter));
        return left.isNegative() ? "EXPIRED" : "in " + Durations.coarse(left.toSeconds());
    }
}
