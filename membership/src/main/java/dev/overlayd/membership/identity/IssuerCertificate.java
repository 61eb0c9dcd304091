package dev.overlayd.membership.identity;

import java.nio.file.Path;
import java.time.Instant;
import dev.overlayd.peers.IpPrefix;

/**
 * An issuer's intermediate certificate, signed by the cluster's root CA ({@code overlayctl ca issuer}):
 * it may sign node certificates, and only for addresses and subnets inside its {@link #range()}, so
 * that issuers never hand out the same subnet whatever the membership backend. Its name is its CN,
 * the issuer CN of every certificate it signs.
 */
public final class IssuerCertificate {
    private IssuerCertificate() {
        throw new UnsupportedOperationException("issue 15: identity helper");
    }

    public static IssuerCertificate decode(byte[] der) throws IdentityException {
        throw new UnsupportedOperationException("issue 15: identity helper");
    }

    /** Reads the PEM file {@code overlayctl ca issuer} writes. */
    public static IssuerCertificate read(Path pemFile) throws IdentityException {
        throw new UnsupportedOperationException("issue 15: identity helper");
    }

    public String name() {
        throw new UnsupportedOperationException("issue 15: identity helper");
    }

    /** The part of the overlay this issuer allocates from. */
    public IpPrefix range() {
        throw new UnsupportedOperationException("issue 15: identity helper");
    }

    public Instant notAfter() {
        throw new UnsupportedOperationException("issue 15: identity helper");
    }

    public byte[] encoded() {
        throw new UnsupportedOperationException("issue 15: identity helper");
    }
}
