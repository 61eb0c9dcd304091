package dev.overlayd.cli;

import picocli.CommandLine.Parameters;

/** Which daemons a status command asks, and whether it prints for scripts: peers, members, containers. */
final class StatusQuery extends StatusCommand.Query {
    @Parameters(arity = "0..1", paramLabel = "IFNAME", description = "The interface; all of overlayd's when omitted.")
    String interfaceName;

    @Override
    String interfaceName() {
        return interfaceName;
    }
}
