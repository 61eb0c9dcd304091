package dev.overlayd.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import dev.overlayd.membership.identity.CertificateAuthority;
import dev.overlayd.membership.identity.IdentityException;
import dev.overlayd.membership.identity.IssuerCertificate;
import dev.overlayd.peers.IpPrefix;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "issuer", mixinStandardHelpOptions = true,
        description = "Create an issuer: an intermediate CA a member holds to sign node certificates online, for addresses"
                + " in its range only, so that ca.key can stay offline.")
final class CaIssuerCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Parameters(paramLabel = "NAME", description = "The issuer's name, e.g. the auto-scaling group it serves.")
    String name;

    @Option(names = "--range", paramLabel = "CIDR", required = true,
            description = "The part of the overlay it allocates from, e.g. 10.40.128.0/20 (16 nodes of a /24 each).")
    IpPrefix range;

    @Option(names = "--days", defaultValue = "" + CertificateAuthority.DEFAULT_ISSUER_DAYS,
            description = "How long the issuer is valid (default: ${DEFAULT-VALUE}).")
    int days;

    @Option(names = "--ca", paramLabel = "DIR", defaultValue = CaCommand.DEFAULT_DIR,
            description = "The CA's directory (default: ${DEFAULT-VALUE}).")
    Path caDir;

    @Override
    public Integer call() throws IdentityException {
        IssuerCertificate issuer = CertificateAuthority.load(caDir).createIssuer(name, range, days);
        Path issuers = caDir.resolve("issuers");
        PrintWriter out = spec.commandLine().getOut();
        out.println("Created issuer " + issuer.name() + " (range " + issuer.range() + ", valid until " + issuer.notAfter()
                + ", serial " + issuer.serial().toString(16) + "):");
        out.println("  " + issuers.resolve(name + ".crt") + "  certificate");
        out.println("  " + issuers.resolve(name + ".key") + "  key: copy it to the issuing member only (0600)");
        out.flush();
        return 0;
    }
}
