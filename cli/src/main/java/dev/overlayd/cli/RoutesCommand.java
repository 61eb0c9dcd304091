package dev.overlayd.cli;

import java.io.PrintWriter;
import java.util.ArrayList;
import java.util.List;
import dev.overlayd.cli.control.ControlClient;
import dev.overlayd.cli.control.ControlException;
import dev.overlayd.node.control.Durations;
import dev.overlayd.routing.proxy.RoutesStatus;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Parameters;

@Command(name = "routes", mixinStandardHelpOptions = true,
        description = {"List the edge proxy's host and path rules in the order they are matched (the longest path "
                + "first), each with its service, where it comes from (container labels or overlay.yaml) and its "
                + "request and error counts, and under it the copies a request may go to: node, overlay address, "
                + "health, requests in flight, requests, errors, and for how long an ejected copy stays out."})
final class RoutesCommand extends StatusCommand<RoutesCommand.Routes> {
    @Parameters(arity = "0..1", paramLabel = "SERVICE", description = "Only the rules of this service.")
    String service;

    @Mixin
    InterfaceQuery query;

    @Override
    Query query() {
        return query;
    }

    /** The edge's reply to "routes", its rules those of the service asked for, and the interface it came from. */
    record Routes(String interfaceName, String node, List<RoutesStatus.Route> routes) {}

    @Override
    Routes ask(ControlClient client, String name) throws ControlException {
        RoutesStatus s = client.request(name, "routes", RoutesStatus.class);
        return new Routes(name, s.node(),
                orEmpty(s.routes()).stream().filter(r -> service == null || service.equals(r.service())).toList());
    }

    @Override
    void print(PrintWriter out, List<Routes> hosts) {
        for (Routes h : hosts) {
            int copies = h.routes().stream().mapToInt(r -> r.copies() == null ? 0 : r.copies().size()).sum();
            out.printf("%s: node %s, %d rule%s%s, %d cop%s%n", h.interfaceName(), h.node(), h.routes().size(),
                    h.routes().size() == 1 ? "" : "s", service == null ? "" : " of service " + service, copies,
                    copies == 1 ? "y" : "ies");
            for (RoutesStatus.Route r : h.routes()) {
                out.printf("  %s%s -> %s (%s): %d request%s, %d error%s%n", r.host() == null ? "*" : r.host(), r.path(),
                        r.service(), r.source(), r.requests(), r.requests() == 1 ? "" : "s", r.errors(), r.errors() == 1 ? "" : "s");
                if (r.copies() == null || r.copies().isEmpty()) {
                    out.println("    no copy: requests get 503");
                    continue;
                }
                List<String[]> rows = new ArrayList<>();
                rows.add(new String[] {"ID", "NODE", "ADDRESS", "HEALTH", "IN-FLIGHT", "REQUESTS", "ERRORS", "EJECTED FOR"});
                for (RoutesStatus.Copy c : r.copies()) {
                    rows.add(new String[] {c.id(), c.node(), c.address(), c.health(), Integer.toString(c.inFlight()),
                            Long.toString(c.requests()), Long.toString(c.errors()),
                            c.ejectedForMs() > 0 ? Durations.fine((c.ejectedForMs() + 999) / 1000) : "-"});
                }
                Columns.print(out, "    ", rows);
            }
        }
    }
}
