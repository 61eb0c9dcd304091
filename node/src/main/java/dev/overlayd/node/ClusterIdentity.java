package dev.overlayd.node;

import java.nio.file.Files;
import java.time.Clock;
import java.time.Instant;
import java.util.Optional;
import java.util.logging.Logger;
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
    private static final Logger LOG = Logger.getLogger(ClusterIdentity.class.getName());

    /**
     * The identity, enrolled for first when overlay.yaml has a token and no certificate is there yet
     * (an instance's first boot) or the one there has run out (an instance stopped for longer than
     * its certificate's life, which it could not renew): that blocks until an issuer answers, and
     * fails for good when the token is refused. The node keeps its key, so its issuer gives it its
     * subnet back while the grace period lasts.
     */
    public static ClusterIdentity obtain(ClusterConfig config)
            throws IdentityException, CertificateRejected, EnrolmentFailed, InterruptedException, NodeRevoked {
        if (config.enrolment() != null) {
            if (!Files.exists(config.certificate())) {
                FirstEnrolment.enrol(config);
            } else {
                NodeCertificate held = NodeCertificate.read(config.certificate());
                if (held.notAfter().isBefore(Clock.systemUTC().instant())) {
                    LOG.info(config.certificate() + " ran out at " + held.notAfter() + ": enrolling again with the token");
                    FirstEnrolment.enrol(config);
                }
            }
        }
        return read(config);
    }

    /**
     * Reads and checks the identity before anything is created: a key that is not the
     * certificate's, a certificate from another CA or out of its validity stop the start, and one
     * revoked stops it with {@link NodeRevoked}.
     * The revocations are the newest of those saved in the state directory and the configured file.
     */
    public static ClusterIdentity read(ClusterConfig config) throws IdentityException, CertificateRejected, NodeRevoked {
        ClusterCa ca = ClusterCa.read(config.ca());
        SavedRevocations saved = new SavedRevocations(config.state());
        saved.restore(ca, config.crl());
        NodeCertificate cert = NodeCertificate.read(config.certificate());
        PrivateKey key = KeyFiles.readNodeKey(config.key());
        if (!key.publicKey().equals(cert.publicKey())) {
            throw new CertificateRejected(config.key() + " is not the key of " + config.certificate()
                    + " (" + cert.name() + ")");
        }
        Optional<Instant> revoked = ca.revokedAt(cert);
        if (revoked.isPresent()) {
            throw new NodeRevoked(ca.name(), cert, revoked.get());
        }
        ca.verify(cert, Clock.systemUTC().instant());
        return new ClusterIdentity(ca, cert, key, saved);
    }
}
