package dev.overlayd.cli;

import picocli.CommandLine.Command;

/** The cluster's CA, on the operator's machine; picocli asks for a subcommand. */
@Command(name = "ca", mixinStandardHelpOptions = true, description = "Manage the cluster's certificate authority and its issuers.",
        subcommands = {CaInitCommand.class, CaIssuerCommand.class})
final class CaCommand {
    /** Where the CA lives unless --dir or --ca says otherwise. */
    static final String DEFAULT_DIR = "/etc/overlayd/ca";
}
