package dev.overlayd.cli;

import picocli.CommandLine.Option;

/**
 * {@link StatusQuery} for the commands whose argument is something else (a service): the
 * interface is an option.
 */
final class InterfaceQuery implements StatusCommand.Query {
    @Option(names = {"-i", "--interface"}, paramLabel = "IFNAME", description = "The interface; all of overlayd's when omitted.")
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
