package dev.overlayd.containers.host;

import java.io.IOException;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * overlayd's accept rules in iptables' filter table, where dockerd (with its default
 * {@code --iptables=true}) keeps its FORWARD chain. In nftables a forwarded packet must pass every
 * base chain on the hook, so an accept in overlayd's own table does not get it past a FORWARD chain
 * whose policy is DROP, as dockerd makes it when it enables ip_forward itself. So when that chain
 * would drop (dockerd's DOCKER-USER chain exists, or the policy is DROP), exactly the containers'
 * overlay traffic is accepted there: veth to overlay interface, back, and veth to veth. Into
 * DOCKER-USER when it exists, the chain dockerd reserves for the operator and never flushes, else at
 * the top of FORWARD. Nothing wider: an accept ends only iptables' chain, and overlayd's table still
 * drops what it drops. Rules stay when overlayd stops, as the containers' veths do.
 */
final class IptablesForward {
    private static final Logger LOG = System.getLogger(IptablesForward.class.getName());
    private static final String IPTABLES = "iptables";
    private static final String DOCKER_USER = "DOCKER-USER";
    private static final String FORWARD = "FORWARD";
    /** Marks the rules as overlayd's in the operator's listing (and is part of what -C matches). */
    private static final String COMMENT = "overlayd";

    private final List<List<String>> rules;

    IptablesForward(String overlayInterface) {
        String veths = ContainerFilter.VETH_PREFIX + "+";
        this.rules = Stream.of(
                        List.of("-i", veths, "-o", overlayInterface),
                        List.of("-i", overlayInterface, "-o", veths),
                        List.of("-i", veths, "-o", veths))
                .map(IptablesForward::accept)
                .toList();
    }

    private static List<String> accept(List<String> match) {
        List<String> rule = new ArrayList<>(match);
        rule.addAll(List.of("-m", "comment", "--comment", COMMENT, "-j", "ACCEPT"));
        return List.copyOf(rule);
    }

    /**
     * Adds the rules that are missing, when iptables' FORWARD chain would drop the containers'
     * traffic; cheap when nothing is missing (one listing and a check per rule). Without iptables
     * installed, or without a filter table, there is nothing to do.
     */
    void ensure() throws IOException {
        if (!Command.onPath(IPTABLES)) {
            return;
        }
        // Listing does not create the table (iptables-nft), so a host without one keeps it so.
        List<String> table = iptables("-S").run().lines().toList();
        boolean userChain = table.contains("-N " + DOCKER_USER);
        boolean dropping = table.contains("-P " + FORWARD + " DROP");
        if (!userChain && !dropping) {
            return;
        }
        String chain = userChain ? DOCKER_USER : FORWARD;
        List<String> added = new ArrayList<>();
        for (List<String> rule : rules) {
            if (iptables("-C", chain, rule).tryRun(null).status() != 0) {
                iptables("-I", chain, rule).run();
                added.add(String.join(" ", rule.subList(0, 4)));
            }
        }
        if (!added.isEmpty()) {
            LOG.log(Level.INFO, "{0}: accepting the containers'' overlay traffic {1} ({2})",
                    !userChain ? "iptables' FORWARD chain drops forwarded traffic"
                            : dropping ? "dockerd's iptables FORWARD chain drops forwarded traffic"
                            : "dockerd manages iptables' FORWARD chain",
                    userChain ? "in " + DOCKER_USER : "at the top of " + FORWARD,
                    String.join(", ", added));
        }
    }

    private static Command iptables(String command) {
        return Command.of(IPTABLES, "-w", "-t", "filter", command);
    }

    private static Command iptables(String command, String chain, List<String> rule) {
        List<String> argv = new ArrayList<>(List.of(IPTABLES, "-w", "-t", "filter", command, chain));
        argv.addAll(rule);
        return new Command(argv);
    }
}
