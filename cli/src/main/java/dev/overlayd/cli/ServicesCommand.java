package dev.overlayd.cli;

import java.io.PrintWriter;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import dev.overlayd.cli.control.ControlClient;
import dev.overlayd.cli.control.ControlException;
import dev.overlayd.node.control.Durations;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

@Command(name = "services", mixinStandardHelpOptions = true,
        description = {"List the services every node of the cluster registered, with each instance's node, overlay "
                + "address and port, health and age, as this node holds them; the containers of this node that "
                + "registered none, or are not routed as their labels ask, with why; and the members this node does "
                + "not yet agree with."})
final class ServicesCommand extends StatusCommand<ServicesCommand.Services> {
    @Parameters(arity = "0..1", paramLabel = "NAME", description = "Only this service.")
    String service;

    @Mixin
    InterfaceQuery query;

    @Override
    Query query() {
        return query;
    }

    /** The discovery plugin's reply to "services", and the interface it came from; times are epoch seconds. */
    record Services(String interfaceName, String node, String domain, String dns, List<Service> services,
                    List<Skipped> skipped, Map<String, String> unsettled, Map<String, Long> refused) {}

    record Service(String name, List<Instance> instances) {}

    record Instance(String id, String node, String address, int port, String protocol, String health, List<String> tags,
                    long since) {}

    record Skipped(String container, String id, String port, String reason, long since) {}

    @Override
    Services ask(ControlClient client, String name) throws ControlException {
        Services s = client.request(name, service == null ? "services" : "services " + service, Services.class);
        return new Services(name, s.node(), s.domain(), s.dns(), orEmpty(s.services()), orEmpty(s.skipped()),
                s.unsettled() == null ? Map.of() : s.unsettled(), s.refused() == null ? Map.of() : s.refused());
    }

    @Override
    void print(PrintWriter out, List<Services> hosts) {
        long now = Instant.now().getEpochSecond();
        for (Services s : hosts) {
            int instances = s.services().stream().mapToInt(v -> v.instances().size()).sum();
            out.printf("%s: node %s, %d service%s, %d instance%s; DNS %s, names NAME.service.%s%n", s.interfaceName(),
                    s.node(), s.services().size(), s.services().size() == 1 ? "" : "s", instances, instances == 1 ? "" : "s",
                    s.dns(), s.domain());
            if (instances > 0) {
                List<String[]> rows = new ArrayList<>();
                rows.add(new String[] {"SERVICE", "NODE", "ADDRESS", "HEALTH", "AGE", "TAGS", "ID"});
                for (Service service : s.services()) {
                    for (Instance i : service.instances()) {
                        rows.add(new String[] {service.name(), i.node(), i.address() + ":" + i.port()
                                + ("tcp".equals(i.protocol()) ? "" : "/" + i.protocol()), i.health(),
                                Durations.coarse(Math.max(0, now - i.since())),
                                i.tags() == null || i.tags().isEmpty() ? "-" : String.join(",", i.tags()), i.id()});
                    }
                }
                Columns.print(out, rows);
            }
            if (!s.skipped().isEmpty()) {
                out.println("  containers of this node left out (not registered, or registered but not routed):");
                List<String[]> rows = new ArrayList<>();
                rows.add(new String[] {"CONTAINER", "PORT", "SINCE", "REASON"});
                for (Skipped k : s.skipped()) {
                    rows.add(new String[] {k.container(), k.port() == null ? "-" : k.port(),
                            Durations.coarse(Math.max(0, now - k.since())) + " ago", k.reason()});
                }
                Columns.print(out, rows);
            }
            if (!s.unsettled().isEmpty()) {
                out.println("  not yet in agreement with:");
                s.unsettled().forEach((member, why) -> out.printf("    %s: %s%n", member, why));
            }
            if (!s.refused().isEmpty()) {
                out.println("  instances refused: " + s.refused());
            }
        }
    }
}
