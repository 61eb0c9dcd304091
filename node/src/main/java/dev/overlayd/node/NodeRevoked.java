package dev.overlayd.node;

import java.time.Instant;
import dev.overlayd.membership.identity.NodeCertificate;

/**
 * This node's own certificate is revoked (or its issuer's is), on a list the cluster's CA signed:
 * no member admits it, so it stops rather than join again and again; a supervisor is not to restart
 * it ({@code overlayd} exits {@link #EXIT_STATUS}, which its systemd units do not restart).
 */
public final class NodeRevoked extends Exception {
    private static final long serialVersionUID = 1L;
    /** sysexits' EX_NOPERM: what no restart cures. */
    public static final int EXIT_STATUS = 77;

    NodeRevoked(String cluster, NodeCertificate certificate, Instant at) {
        super(certificate.name() + "'s certificate (serial " + certificate.serial().toString(16) + ")"
                + (certificate.issuerCertificate().isPresent() ? " or its issuer's" : "") + " was revoked by cluster "
                + cluster + "'s CA at " + at + ": no member admits this node; give it a new certificate"
                + " (overlayctl cert issue, or enrolment with a new token)");
    }
}
