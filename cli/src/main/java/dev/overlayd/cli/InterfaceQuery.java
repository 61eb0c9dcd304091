package dev.overlayd.cli;

import picocli.CommandLine.Option;

/**
 * {@link StatusQuery} for the commands whose argument is something else (a service): the
 * interface is an option.
 */
final class InterfaceQuery extends StatusCommand.Query {
    @Option(names = {"-i", "--interface"}, paramLabel = "IFNAME", description = "The interface; all of overlayd's when omitted.")
    String interfaceName;

    @Override
    String interfaceName() {
        return interfaceName;
    }
}
