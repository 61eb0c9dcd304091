package dev.overlayd.cli;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import dev.overlayd.node.control.ClusterStatus;
import dev.overlayd.cli.control.ControlClient;
import dev.overlayd.cli.control.ControlException;
import dev.overlayd.membership.identity.CertificateRejected;
import dev.overlayd.membership.identity.IdentityException;
import dev.overlayd.membership.identity.KeyFiles;
import dev.overlayd.membership.identity.NodeCertificate;
import dev.overlayd.noise.PrivateKey;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "config", mixinStandardHelpOptions = true,
        description = {"Publish a static host again and print its wg-quick configuration with the cluster's nodes "
                + "as they are now: run it when nodes have come and gone (e.g. piped through `wg-quick strip` "
                + "into `wg syncconf` on the host, with a route for each new node's AllowedIPs)."})
final class HostConfigCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Parameters(index = "0", paramLabel = "CERT", description = "The host's certificate (NAME.crt).")
    Path certificateFile;

    @Parameters(index = "1", arity = "0..1", paramLabel = "IFNAME",
            description = "The node's interface; the only one running when omitted.")
    String interfaceName;

    @Option(names = "--key", required = true, paramLabel = "FILE", description = "The host's private key (NAME.key).")
    Path keyFile;

    @Override
    public Integer call() throws IdentityException, ControlException, CertificateRejected {
        Overlayctl overlayctl = (Overlayctl) spec.root().userObject();
        ControlClient client = new ControlClient(overlayctl.controlDirectory);
        String via = overlayctl.oneInterface(client, interfaceName);
        NodeCertificate cert = NodeCertificate.read(certificateFile);
        PrivateKey key = KeyFiles.readNodeKey(keyFile);
        try {
            if (!key.publicKey().equals(cert.publicKey())) {
                throw new CertificateRejected(keyFile + " is not the key of " + certificateFile + " (" + cert.name() + ")");
            }
            StaticHostConfig.publish(client, via, cert, key, spec.commandLine().getOut());
        } finally {
            key.wipe();
        }
        return 0;
    }
}
