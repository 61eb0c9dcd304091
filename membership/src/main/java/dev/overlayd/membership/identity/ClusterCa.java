package dev.overlayd.membership.identity;

import java.math.BigInteger;
import java.net.InetAddress;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.time.Instant;
import java.util.Optional;
import java.util.Arrays;
import dev.overlayd.peers.IpPrefix;
import com.google.common.net.InetAddresses;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.cert.CertException;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.operator.ContentVerifierProvider;

/**
 * The cluster's CA as every node holds it: its self-signed Ed25519 certificate, which names the
 * cluster and the overlay range, and the newest revocation list it signed. It decides which node
 * certificates to trust. Thread-safe: revocations may arrive while certificates are being verified.
 */
public final class ClusterCa {
    /**
     * How far a certificate is accepted before its notBefore and after its notAfter. The instances of
     * an auto-scaling group boot with clocks that disagree by minutes until NTP settles them, and a
     * certificate an issuer signed a moment ago must not be "not yet valid" on a member whose clock
     * is behind; issuers backdate notBefore by as much for the same reason.
     */
    public static final Duration CLOCK_SKEW = Duration.ofMinutes(5);

    private final X509CertificateHolder holder;
    private final byte[] der;
    private final String name;
    private final IpPrefix overlay;
    private final ContentVerifierProvider verifier;
    private volatile RevocationList revocations;

    private ClusterCa(X509CertificateHolder holder, byte[] der) throws IdentityException {
        this.holder = holder;
        this.der = der;
        verifier = CertificateHolders.caVerifier(holder);
        name = X500Names.commonName(holder.getSubject(), "subject");
        overlay = OverlaydExtensions.overlay(holder.getExtensions());
        if (!signedByThis(holder)) {
            throw new IdentityException("its self-signature does not verify");
        }
    }

    public static ClusterCa decode(byte[] der) throws IdentityException {
        return CertificateHolders.parse(der, "cluster CA certificate", ClusterCa::new);
    }

    /** Reads the CA certificate as {@code overlayctl ca init} writes it (ca.crt, PEM). */
    public static ClusterCa read(Path caCertPem) throws IdentityException {
        return Pem.read(caCertPem, Pem.CERTIFICATE, ClusterCa::decode);
    }

    public byte[] encoded() {
        return der.clone();
    }

    public String toPem() {
        return Pem.encode(Pem.CERTIFICATE, der);
    }

    /** Writes the PEM to {@code file} (mode 0644), replacing it whole. */
    public void writePem(Path file) throws IdentityException {
        AtomicWrite.write(file, toPem().getBytes(java.nio.charset.StandardCharsets.US_ASCII), AtomicWrite.PUBLIC, true);
    }

    /** SHA-256 of the certificate's DER: what a join token carries, so that a newcomer knows the cluster it enrols in. */
    public byte[] fingerprint() {
        try {
            return MessageDigest.getInstance("SHA-256").digest(der);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }

    /** The cluster's name, the CA certificate's CN. */
    public String name() {
        return name;
    }

    /** The range every member's overlay address lies in. */
    public IpPrefix overlay() {
        return overlay;
    }

    public Instant notAfter() {
        return holder.getNotAfter().toInstant();
    }

    X500Name subject() {
        return holder.getSubject();
    }

    SubjectPublicKeyInfo publicKeyInfo() {
        return holder.getSubjectPublicKeyInfo();
    }

    /**
     * Accepts {@code cert} as a member of this cluster at {@code now}: signed by this CA, or by an
     * issuer whose certificate it carries, which this CA signed, with its address and subnet in the
     * issuer's range; neither revoked; both within their validity (give or take {@link #CLOCK_SKEW});
     * its address and subnet in the overlay.
     */
    public void verify(NodeCertificate cert, Instant now) throws CertificateRejected {
        String who = cert.name();
        Optional<IssuerCertificate> issuer = cert.issuerCertificate();
        if (issuer.isPresent()) {
            verifyIssued(cert, issuer.get(), now);
        } else if (!signedByThis(cert.holder())) {
            throw new CertificateRejected(who + ": not signed by cluster " + name + "'s CA");
        }
        if (isRevoked(cert.serial())) {
            throw new CertificateRejected(who + ": certificate revoked");
        }
        checkValidity(who, cert.notBefore(), cert.notAfter(), now);
        if (now.isAfter(notAfter().plus(CLOCK_SKEW))) {
            throw new CertificateRejected(who + ": cluster " + name + "'s CA expired at " + notAfter());
        }
        InetAddress address = cert.address();
        if (!overlay.contains(address.getAddress())) {
            throw new CertificateRejected(who + ": address " + InetAddresses.toAddrString(address)
                    + " outside the overlay " + overlay);
        }
        // Whatever a member may source packets from lies in the overlay: no range of anyone else's.
        if (!overlay.covers(cert.subnet())) {
            throw new CertificateRejected(who + ": subnet " + cert.subnet() + " outside the overlay " + overlay);
        }
        if (cert.kind() == NodeCertificate.Kind.NODE && cert.signingKey().isEmpty()) {
            throw new CertificateRejected(who + ": a node certificate without a record-signing key"
                    + " (issued before overlayd signed member records): issue it again");
        }
    }

    /** Accepts {@code issuer} as one of this CA's at {@code now}: signed by it, not revoked, valid. */
    public void verify(IssuerCertificate issuer, Instant now) throws CertificateRejected {
        String who = "issuer " + issuer.name();
        if (!signedByThis(issuer.holder())) {
            throw new CertificateRejected(who + ": not signed by cluster " + name + "'s CA");
        }
        if (isRevoked(issuer.serial())) {
            throw new CertificateRejected(who + ": certificate revoked");
        }
        checkValidity(who, issuer.notBefore(), issuer.notAfter(), now);
    }

    private void verifyIssued(NodeCertificate cert, IssuerCertificate issuer, Instant now) throws CertificateRejected {
        String who = cert.name();
        try {
            verify(issuer, now);
        } catch (CertificateRejected e) {
            throw new CertificateRejected(who + ": " + e.getMessage());
        }
        if (!issuer.signed(cert.holder())) {
            throw new CertificateRejected(who + ": not signed by issuer " + issuer.name() + "'s key");
        }
        // What keeps two issuers from handing out the same subnet, whatever they know of each other.
        IpPrefix range = issuer.range();
        if (!range.contains(cert.address().getAddress()) || !range.covers(cert.subnet())) {
            throw new CertificateRejected(who + ": address " + InetAddresses.toAddrString(cert.address()) + " or subnet "
                    + cert.subnet() + " outside issuer " + issuer.name() + "'s range " + range);
        }
    }

    private static void checkValidity(String who, Instant notBefore, Instant notAfter, Instant now)
            throws CertificateRejected {
        if (now.isBefore(notBefore.minus(CLOCK_SKEW))) {
            throw new CertificateRejected(who + ": not yet valid until " + notBefore);
        }
        if (now.isAfter(notAfter.plus(CLOCK_SKEW))) {
            throw new CertificateRejected(who + ": certificate expired at " + notAfter);
        }
    }

    /**
     * Adopts a revocation list signed by this CA when it is newer (a higher CRL number) than the one
     * held; returns whether it was adopted. Lists arrive by gossip in any order, so an older one is
     * not an error.
     */
    public synchronized boolean acceptRevocations(byte[] crlDer) throws CertificateRejected {
        RevocationList list = RevocationList.decode(crlDer);
        boolean signed;
        try {
            signed = list.holder().getIssuer().equals(holder.getSubject()) && list.holder().isSignatureValid(verifier);
        } catch (CertException | RuntimeException e) {
            // BC parses the issuer's name only when it is compared: a malformed one throws then.
            signed = false;
        }
        if (!signed) {
            throw new CertificateRejected("revocation list not signed by cluster " + name + "'s CA");
        }
        RevocationList held = revocations;
        if (held != null && list.number().compareTo(held.number()) <= 0) {
            return false;
        }
        revocations = list;
        return true;
    }

    /** The newest revocation list adopted (DER), or null when there is none. */
    public byte[] revocations() {
        RevocationList held = revocations;
        return held == null ? null : held.encoded();
    }

    /** The same, for the CA to extend. */
    RevocationList revocationList() {
        return revocations;
    }

    public boolean isRevoked(BigInteger serial) {
        RevocationList held = revocations;
        return held != null && held.contains(serial);
    }

    /**
     * When {@code cert} was cut off by the newest list adopted: its own revocation, or its issuer's
     * when that came first; empty when neither is revoked.
     */
    public Optional<Instant> revokedAt(NodeCertificate cert) {
        Optional<Instant> own = revokedAt(cert.serial());
        Optional<Instant> issuer = cert.issuerCertificate().flatMap(i -> revokedAt(i.serial()));
        return own.isEmpty() ? issuer : issuer.filter(i -> i.isBefore(own.get())).or(() -> own);
    }

    /** When {@code serial} was revoked, by the newest list adopted; empty when it is not. */
    Optional<Instant> revokedAt(BigInteger serial) {
        RevocationList held = revocations;
        return held == null ? Optional.empty() : held.revokedAt(serial);
    }

    boolean signedByThis(X509CertificateHolder cert) {
        return CertificateHolders.signedBy(cert, holder, verifier);
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof ClusterCa c && Arrays.equals(der, c.der);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(der);
    }

    @Override
    public String toString() {
        return "ClusterCa[" + name + ", overlay " + overlay + "]";
    }
}
