package dev.overlayd.cli;

import picocli.CommandLine.Command;
import picocli.CommandLine.ParentCommand;

/** Join tokens of the issuer a node runs; picocli asks for a subcommand. */
@Command(name = "token", mixinStandardHelpOptions = true,
        description = "Create, list and revoke the join tokens with which new instances enrol through this node's issuer.",
        subcommands = {TokenCreateCommand.class, TokenListCommand.class, TokenRevokeCommand.class})
final class TokenCommand {
    @ParentCommand
    Overlayctl parent;
}
