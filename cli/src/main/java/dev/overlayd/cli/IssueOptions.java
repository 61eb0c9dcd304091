package dev.overlayd.cli;

import java.nio.file.Path;
import dev.overlayd.membership.identity.CertificateAuthority;
import picocli.CommandLine.Option;

/** Where the CA is, where a new key and certificate go, and for how long: every command that issues one. */
final class IssueOptions {
    @Option(names = "--ca", paramLabel = "DIR", defaultValue = CaCommand.DEFAULT_DIR,
            description = "The CA's directory (default: ${DEFAULT-VALUE}).")
    Path caDir;

    @Option(names = "--out", paramLabel = "DIR", defaultValue = ".",
            description = "Where to write NAME.key and NAME.crt (default: the current directory).")
    Path out;

    @Option(names = "--days", defaultValue = "" + CertificateAuthority.DEFAULT_NODE_DAYS,
            description = "How long the certificate is valid (default: ${DEFAULT-VALUE}).")
    int days;
}
