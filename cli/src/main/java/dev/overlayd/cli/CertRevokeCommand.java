package dev.overlayd.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import dev.overlayd.membership.identity.CertificateAuthority;
import dev.overlayd.membership.identity.IdentityException;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "revoke", mixinStandardHelpOptions = true,
        description = "Revoke a node's certificate: the CA signs a new revocation list, to be pushed to the cluster.")
final class CertRevokeCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Parameters(paramLabel = "NAME|SERIAL", description = "The node's name, or the certificate's serial (hex, as cert show prints it).")
    String nameOrSerial;

    @Option(names = "--ca", paramLabel = "DIR", defaultValue = CaCommand.DEFAULT_DIR,
            description = "The CA's directory (default: ${DEFAULT-VALUE}).")
    Path caDir;

    @Override
    public Integer call() throws IdentityException {
        CertificateAuthority ca = CertificateAuthority.load(caDir);
        ca.revoke(nameOrSerial);
        PrintWriter out = spec.commandLine().getOut();
        out.println("Revoked " + nameOrSerial + "; the revocation list is " + ca.revocationFile() + ".");
        out.println("Nodes keep trusting the certificate until it reaches them: run overlayctl revoke "
                + ca.revocationFile() + " on any node.");
        out.flush();
        return 0;
    }
}
