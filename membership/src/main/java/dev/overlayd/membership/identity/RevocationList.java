package dev.overlayd.membership.identity;

import java.io.IOException;
import java.math.BigInteger;
import java.time.Instant;
import java.util.Optional;
import java.util.HashSet;
import java.util.Set;
import org.bouncycastle.asn1.x509.CRLNumber;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.cert.X509CRLEntryHolder;
import org.bouncycastle.cert.X509CRLHolder;

/**
 * An X.509 CRL as the cluster uses it: each one the CA signs lists every serial it ever revoked, and
 * its CRL number (RFC 5280, 5.2.3) orders them, so a node keeps only the highest it has seen.
 */
public final class RevocationList {
    private final X509CRLHolder holder;
    private final byte[] der;
    private final BigInteger number;
    private final Set<BigInteger> serials;

    private RevocationList(X509CRLHolder holder, byte[] der, BigInteger number, Set<BigInteger> serials) {
        this.holder = holder;
        this.der = der;
        this.number = number;
        this.serials = serials;
    }

    /** The DER of a revocation list file as `overlayctl cert revoke` writes it (PEM). */
    public static byte[] read(java.nio.file.Path file) throws IdentityException {
        return Pem.read(file, Pem.CRL);
    }

    /** Parses the form only; whether the CA signed it is for {@link ClusterCa} to check. */
    static RevocationList decode(byte[] der) throws CertificateRejected {
        X509CRLHolder holder;
        try {
            holder = new X509CRLHolder(der);
        } catch (IOException | RuntimeException e) {
            throw new CertificateRejected("not a revocation list (X.509 CRL)");
        }
        Extension number;
        Set<BigInteger> serials = new HashSet<>();
        try {
            number = holder.getExtension(Extension.cRLNumber);
            // BC parses the entries only when they are read: malformed ones throw here.
            for (Object entry : holder.getRevokedCertificates()) {
                serials.add(((X509CRLEntryHolder) entry).getSerialNumber());
            }
        } catch (RuntimeException e) {
            throw new CertificateRejected("revocation list with malformed extensions or entries");
        }
        if (number == null) {
            throw new CertificateRejected("revocation list without a CRL number");
        }
        try {
            return new RevocationList(holder, der.clone(), CRLNumber.getInstance(number.getParsedValue()).getCRLNumber(),
                    Set.copyOf(serials));
        } catch (RuntimeException e) {
            throw new CertificateRejected("revocation list with a malformed CRL number");
        }
    }

    X509CRLHolder holder() {
        return holder;
    }

    byte[] encoded() {
        return der.clone();
    }

    BigInteger number() {
        return number;
    }

    boolean contains(BigInteger serial) {
        return serials.contains(serial);
    }

    Optional<Instant> revokedAt(BigInteger serial) {
        if (!serials.contains(serial)) {
            return Optional.empty();
        }
        return Optional.of(holder.getRevokedCertificate(serial).getRevocationDate().toInstant());
    }
}
