package dev.overlayd.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.time.Instant;
import java.util.concurrent.Callable;
import dev.overlayd.membership.identity.IdentityException;
import dev.overlayd.membership.identity.NodeCertificate;
import com.fasterxml.jackson.core.JsonProcessingException;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "show", mixinStandardHelpOptions = true,
        description = "Show a node certificate: name, kind, key, address, subnet, groups, validity, serial, fingerprint.")
final class CertShowCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Parameters(paramLabel = "FILE", description = "The certificate (PEM), e.g. web1.crt.")
    Path file;

    @Option(names = "--json", description = "Print a JSON object, for scripts.")
    boolean json;

    @Override
    public Integer call() throws IdentityException, JsonProcessingException {
        Instant now = Instant.now();
        CertificateSummary summary = CertificateSummary.of(NodeCertificate.read(file), now);
        PrintWriter out = spec.commandLine().getOut();
        if (json) {
            out.println(Overlayctl.json(summary));
        } else {
            out.print(summary.text(now));
        }
        out.flush();
        return 0;
    }
}
