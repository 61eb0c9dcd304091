package dev.overlayd.cli;

import java.net.InetAddress;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.List;
import java.util.concurrent.Callable;
import dev.overlayd.node.control.ClusterStatus;
import dev.overlayd.cli.control.ControlClient;
import dev.overlayd.cli.control.ControlException;
import dev.overlayd.membership.identity.CertificateAuthority;
import dev.overlayd.membership.identity.IdentityException;
import dev.overlayd.membership.identity.NodeCertificate;
import dev.overlayd.noise.PrivateKey;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "add", mixinStandardHelpOptions = true,
        description = {"Certify a host outside the cluster that runs stock WireGuard, publish it to the cluster "
                + "through this node, and print the host's wg-quick configuration (its peers: the cluster's nodes).",
                "Writes OUT/NAME.key and OUT/NAME.crt. Run on a cluster node, as root, with the CA's directory at hand."})
final class HostAddCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Parameters(index = "0", paramLabel = "NAME", description = "The host's name, unique in the cluster.")
    String name;

    @Parameters(index = "1", arity = "0..1", paramLabel = "IFNAME",
            description = "The node's interface; the only one running when omitted.")
    String interfaceName;

    @Option(names = "--endpoint", required = true, paramLabel = "HOST:PORT",
            description = "Where the host's WireGuard listens, as the cluster's nodes reach it.")
    String endpoint;

    @Option(names = "--address", paramLabel = "IP",
            description = "The host's overlay address (default: the next free one of the overlay's last /24).")
    InetAddress address;

    @CommandLine.Mixin
    IssueOptions issue;

    @Override
    public Integer call() throws IdentityException, ControlException {
        CertificateAuthority.checkName("name", name);
        Overlayctl overlayctl = (Overlayctl) spec.root().userObject();
        ControlClient client = new ControlClient(overlayctl.controlDirectory);
        // Before anything is issued: without a running node the host could not be published.
        String via = overlayctl.oneInterface(client, interfaceName);
        PrivateKey key = PrivateKey.generate(new SecureRandom());
        try {
            CertIssueCommand.Issued issued = CertIssueCommand.issue(issue, key, new CertificateAuthority.Request(
                    name, key.publicKey(), null, address, null, List.of(), issue.days, NodeCertificate.Kind.STATIC_HOST,
                    endpoint));
            ClusterStatus cluster = StaticHostConfig.publish(client, via, issued.certificate(), key,
                    spec.commandLine().getOut());
            spec.commandLine().getErr().println("overlayctl: " + name + " is published to cluster " + cluster.cluster()
                    + "; its key and certificate are in " + issued.keyFile() + " and " + issued.certificateFile());
        } finally {
            key.wipe();
        }
        return 0;
    }
}
