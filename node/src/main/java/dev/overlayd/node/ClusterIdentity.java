package dev.overlayd.node;

import java.nio.file.Files;
import java.time.Clock;
import dev.overlayd.membership.enrolment.EnrolmentFailed;
import dev.overlayd.membership.identity.CertificateRejected;
import dev.overlayd.membership.identity.ClusterCa;
import dev.overlayd.membership.identity.IdentityException;
import dev.overlayd.membership.identity.KeyFiles;
import dev.overlayd.membership.identity.NodeCertificate;
import dev.overlayd.membership.identity.SavedRevocations;
import dev.overlayd.noise.PrivateKey;
import dev.overlayd.node.config.ClusterConfig;

/** Who this node is in its cluster: the CA, its certificate and key, and the revocations it knows. */
public record ClusterIdentity(ClusterCa ca, NodeCertificate certificate, PrivateKey key, SavedRevocations saved) {
    /**
     * Reads and checks the identity before anything is created: a key that is not the
     * certificate's, a certificate from another CA, out of its validity or revoked stop the start.
     * The revocations are the newest of those saved in the state directory and the configured file.
     */
    /**
     * The identity, enrolled for first when overlay.yaml has a token and the certificate is not there
     * yet (an instance's first boot): that blocks until an issuer answers, and fails for good when
     * the token is refused.
     */
    public static ClusterIdentity obtain(ClusterConfig config)
            throws IdentityException, CertificateRejected, EnrolmentFailed, InterruptedException {
        if (config.enrolment() != null && !Files.exists(config.certificate())) {
            FirstEnrolment.enrol(config);
        }
        return read(config);
    }

    public static ClusterIdentity read(ClusterConfig config) throws IdentityException, CertificateRejected {
        ClusterCa ca = ClusterCa.read(config.ca());
        SavedRevocations saved = new SavedRevocations(config.state());
        saved.restore(ca, config.crl());
        NodeCertificate cert = NodeCertificate.read(config.certificate());
        PrivateKey key = KeyFiles.readNodeKey(config.key());
        if (!key.publicKey().equals(cert.publicKey())) {
            throw new CertificateRejected(config.key() + " is not the key of " + config.certificate()
                    + " (" + cert.name() + ")");
        }
        ca.verify(cert, Clock.systemUTC().instant());
        return new ClusterIdentity(ca, cert, key, saved);
    }
}
