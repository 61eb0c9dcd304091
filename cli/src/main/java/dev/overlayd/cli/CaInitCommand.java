package dev.overlayd.cli;

import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import dev.overlayd.membership.identity.CertificateAuthority;
import dev.overlayd.membership.identity.ClusterCa;
import dev.overlayd.membership.identity.IdentityException;
import dev.overlayd.peers.IpPrefix;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "init", mixinStandardHelpOptions = true,
        description = "Create a cluster's CA: ca.crt for every node, ca.key to stay on this machine.")
final class CaInitCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Option(names = "--dir", paramLabel = "DIR", defaultValue = CaCommand.DEFAULT_DIR,
            description = "Where to create the CA (default: ${DEFAULT-VALUE}).")
    Path dir;

    @Option(names = "--name", defaultValue = "overlay", description = "The cluster's name (default: ${DEFAULT-VALUE}).")
    String name;

    @Option(names = "--overlay", paramLabel = "CIDR", defaultValue = "10.40.0.0/16",
            description = "The range of the nodes' overlay addresses (default: ${DEFAULT-VALUE}).")
    IpPrefix overlay;

    @Option(names = "--days", defaultValue = "" + CertificateAuthority.DEFAULT_CA_DAYS,
            description = "How long the CA is valid (default: ${DEFAULT-VALUE}).")
    int days;

    @Override
    public Integer call() throws IdentityException {
        ClusterCa ca = CertificateAuthority.init(dir, name, overlay, days).publicCa();
        PrintWriter out = spec.commandLine().getOut();
        out.println("Created the CA of cluster " + ca.name() + " (overlay " + ca.overlay() + ", valid until "
                + ca.notAfter() + "):");
        out.println("  " + dir.resolve("ca.crt") + "  give it to every node");
        out.println("  " + dir.resolve("ca.key") + "  keep it here: whoever has it can add nodes");
        out.flush();
        return 0;
    }
}
