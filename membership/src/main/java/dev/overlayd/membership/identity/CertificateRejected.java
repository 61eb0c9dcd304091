package dev.overlayd.membership.identity;

/**
 * Why a certificate or revocation list is not accepted for this cluster, in one line fit for the
 * log, e.g. "db1: certificate expired at 2026-11-21T10:00:00Z".
 */
public final class CertificateRejected extends Exception {
    public CertificateRejected(String message) {
        super(message);
    }
}
