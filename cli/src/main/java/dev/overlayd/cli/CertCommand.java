package dev.overlayd.cli;

import picocli.CommandLine.Command;

/** Node certificates; picocli asks for a subcommand. */
@Command(name = "cert", mixinStandardHelpOptions = true, description = "Issue, show and revoke node certificates.",
        subcommands = {CertIssueCommand.class, CertShowCommand.class, CertRevokeCommand.class})
final class CertCommand {}
