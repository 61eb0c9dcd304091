package dev.overlayd.membership.identity;

import java.math.BigInteger;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Arrays;
import dev.overlayd.peers.IpPrefix;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.operator.ContentVerifierProvider;

/**
 * An issuer's intermediate certificate, signed by the cluster's root CA ({@code overlayctl ca issuer}):
 * it may sign node certificates, and only for addresses and subnets inside its {@link #range()}, so
 * that issuers never hand out the same subnet whatever the membership backend. Its name is its CN,
 * the issuer CN of every certificate it signs. Decoding checks the form only; {@link ClusterCa#verify}
 * checks the root's signature on it.
 */
public final class IssuerCertificate {
    private final X509CertificateHolder holder;
    private final byte[] der;
    private final String name;
    private final String cluster;
    private final IpPrefix range;
    private final ContentVerifierProvider verifier;

    private IssuerCertificate(X509CertificateHolder holder, byte[] der) throws IdentityException {
        this.holder = holder;
        this.der = der;
        verifier = CertificateHolders.caVerifier(holder);
        BasicConstraints constraints = BasicConstraints.fromExtensions(holder.getExtensions());
        // An issuer signs node certificates only, never another issuer.
        if (constraints.getPathLenConstraint() == null || constraints.getPathLenConstraint().signum() != 0) {
            throw new IdentityException("its basicConstraints allow issuers below it (pathLen is not 0)");
        }
        name = X500Names.commonName(holder.getSubject(), "subject");
        cluster = X500Names.commonName(holder.getIssuer(), "issuer");
        range = OverlaydExtensions.range(holder.getExtensions());
    }

    public static IssuerCertificate decode(byte[] der) throws IdentityException {
        return CertificateHolders.parse(der, "issuer certificate", IssuerCertificate::new);
    }

    /** Reads the PEM file {@code overlayctl ca issuer} writes. */
    public static IssuerCertificate read(Path pemFile) throws IdentityException {
        return Pem.read(pemFile, Pem.CERTIFICATE, IssuerCertificate::decode);
    }

    public String name() {
        return name;
    }

    /** The name of the cluster whose root CA signed it (its issuer's CN). */
    public String cluster() {
        return cluster;
    }

    /** The part of the overlay this issuer allocates from. */
    public IpPrefix range() {
        return range;
    }

    public Instant notBefore() {
        return holder.getNotBefore().toInstant();
    }

    public Instant notAfter() {
        return holder.getNotAfter().toInstant();
    }

    public BigInteger serial() {
        return holder.getSerialNumber();
    }

    public byte[] encoded() {
        return der.clone();
    }

    public String toPem() {
        return Pem.encode(Pem.CERTIFICATE, der);
    }

    X509CertificateHolder holder() {
        return holder;
    }

    SubjectPublicKeyInfo publicKeyInfo() {
        return holder.getSubjectPublicKeyInfo();
    }

    /** Whether this issuer's key signed {@code cert}. */
    boolean signed(X509CertificateHolder cert) {
        return CertificateHolders.signedBy(cert, holder, verifier);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof IssuerCertificate c && Arrays.equals(der, c.der);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(der);
    }

    @Override
    public String toString() {
        return "IssuerCertificate[" + name + ", range " + range + ", serial " + serial().toString(16) + "]";
    }
}
