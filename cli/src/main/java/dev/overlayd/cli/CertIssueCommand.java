package dev.overlayd.cli;

import java.io.IOException;
import java.io.PrintWriter;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.List;
import java.util.concurrent.Callable;
import dev.overlayd.membership.identity.CertificateAuthority;
import dev.overlayd.membership.identity.IdentityException;
import dev.overlayd.membership.identity.KeyFiles;
import dev.overlayd.membership.identity.NodeCertificate;
import dev.overlayd.membership.identity.SigningKey;
import dev.overlayd.noise.PrivateKey;
import dev.overlayd.peers.IpPrefix;
import com.google.common.net.InetAddresses;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "issue", mixinStandardHelpOptions = true,
        description = "Generate a node's WireGuard key and issue its certificate: OUT/NAME.key and OUT/NAME.crt.")
final class CertIssueCommand implements Callable<Integer> {
    @CommandLine.Spec
    CommandLine.Model.CommandSpec spec;

    @Parameters(paramLabel = "NAME", description = "The node's name, unique in the cluster.")
    String name;

    @Option(names = "--address", paramLabel = "IP",
            description = "The node's overlay address (default: the .1 of its subnet).")
    InetAddress address;

    @Option(names = "--subnet", paramLabel = "CIDR",
            description = "The host's container subnet (default: the next free /24 of the overlay).")
    IpPrefix subnet;

    @Option(names = "--group", paramLabel = "G", description = "A group the node is in; repeat for several.")
    List<String> groups = List.of();

    @CommandLine.Mixin
    IssueOptions issue;

    @Option(names = "--static-host", paramLabel = "HOST:PORT",
            description = "Certify a host outside the cluster that runs stock WireGuard at HOST:PORT "
                    + "(it gets an address from the overlay's last /24 and no subnet unless given).")
    String staticHost;

    @Override
    public Integer call() throws IdentityException {
        PrivateKey key = PrivateKey.generate(new SecureRandom());
        try (SigningKey signing = SigningKey.derive(key)) {
            boolean node = staticHost == null;
            Issued issued = issue(issue, key, new CertificateAuthority.Request(name, key.publicKey(),
                    node ? signing.verifyingKey() : null, address, subnet, groups, issue.days,
                    node ? NodeCertificate.Kind.NODE : NodeCertificate.Kind.STATIC_HOST, staticHost));
            issued.print(spec.commandLine().getOut());
        } finally {
            key.wipe();
        }
        return 0;
    }

    /** A certificate just issued, and where it and its key were written. */
    record Issued(NodeCertificate certificate, Path certificateFile, Path keyFile) {
        void print(PrintWriter print) {
            NodeCertificate cert = certificate;
            print.println("Issued " + cert.name() + ": address " + InetAddresses.toAddrString(cert.address())
                    + ", subnet " + cert.subnet()
                    + (cert.groups().isEmpty() ? "" : ", groups " + String.join(", ", cert.groups()))
                    + cert.endpoint().map(e -> ", endpoint " + e).orElse("") + ", valid until " + cert.notAfter());
            print.println("  " + certificateFile + "  certificate");
            print.println("  " + keyFile + "  WireGuard private key, readable by you alone");
            print.flush();
        }
    }

    /** Writes {@code key} to OUT/NAME.key (never replacing a file), has the CA certify it, writes OUT/NAME.crt. */
    static Issued issue(IssueOptions options, PrivateKey key, CertificateAuthority.Request request)
            throws IdentityException {
        // Before the name becomes OUT/NAME.key: "../x" or "a/b" would write elsewhere.
        CertificateAuthority.checkName("name", request.name());
        CertificateAuthority ca = CertificateAuthority.load(options.caDir);
        Path keyFile = options.out.resolve(request.name() + ".key");
        Path certFile = options.out.resolve(request.name() + ".crt");
        // The key first: it never replaces a file, and it proves OUT writable before the CA files a certificate.
        KeyFiles.writeNodeKey(keyFile, key);
        NodeCertificate cert;
        try {
            cert = ca.issue(request);
        } catch (IdentityException e) {
            deleteQuietly(keyFile);
            throw e;
        }
        cert.writePem(certFile);
        return new Issued(cert, certFile, keyFile);
    }

    private static void deleteQuietly(Path file) {
        try {
            Files.deleteIfExists(file);
        } catch (IOException ignored) {
            // Issuing failed, which is the error to report; the key is no use without a certificate.
        }
    }
}
