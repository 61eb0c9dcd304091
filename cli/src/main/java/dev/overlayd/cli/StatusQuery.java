package dev.overlayd.cli;

import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** Which daemons a status command asks, and whether it prints for scripts: peers, members, containers. */
final class StatusQuery implements StatusCommand.Query {
    @Parameters(arity = "0..1", paramLabel = "IFNAME", description = "The interface; all of overlayd's when omitted.")
    String interfaceName;

    @Option(names = "--json", description = "Print a JSON array, one element per interface, for scripts.")
    boolean json;

    @Override
    public String interfaceName() {
        return interfaceName;
    }

    @Override
    public boolean json() {
        return json;
    }
}
