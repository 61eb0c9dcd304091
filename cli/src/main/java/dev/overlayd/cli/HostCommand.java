package dev.overlayd.cli;

import picocli.CommandLine.Command;

/** Static hosts: stock WireGuard hosts outside the cluster; picocli asks for a subcommand. */
@Command(name = "host", mixinStandardHelpOptions = true,
        description = "Add hosts outside the cluster (a database server running stock WireGuard) to the overlay.",
        subcommands = {HostAddCommand.class, HostConfigCommand.class})
final class HostCommand {}
