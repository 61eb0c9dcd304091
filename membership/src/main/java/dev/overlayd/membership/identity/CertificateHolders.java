package dev.overlayd.membership.identity;

import java.io.IOException;
import java.util.Arrays;
import org.bouncycastle.asn1.ASN1Encoding;
import org.bouncycastle.asn1.edec.EdECObjectIdentifiers;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.cert.CertException;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.operator.ContentVerifierProvider;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.bc.BcEdDSAContentVerifierProviderBuilder;

/** DER to one of this package's certificate types, with errors that say which was expected. */
final class CertificateHolders {
    private CertificateHolders() {}

    interface Builder<T> {
        T build(X509CertificateHolder holder, byte[] der) throws IdentityException;
    }

    static <T> T parse(byte[] der, String what, Builder<T> builder) throws IdentityException {
        X509CertificateHolder holder;
        boolean canonical;
        try {
            holder = new X509CertificateHolder(der);
            canonical = Arrays.equals(holder.toASN1Structure().getEncoded(ASN1Encoding.DER), der);
        } catch (IOException | RuntimeException e) {
            throw new IdentityException("not an X.509 certificate");
        }
        // The signature covers the DER of the fields, so another encoding of them (a TRUE written
        // 0xfd) verifies too: a copy of a certificate that is not byte for byte the one signed.
        if (!canonical) {
            throw new IdentityException("not an X.509 certificate in DER");
        }
        try {
            return builder.build(holder, der.clone());
        } catch (IdentityException e) {
            throw new IdentityException("not a " + what + ": " + e.getMessage());
        } catch (RuntimeException e) {
            // BC parses names and extensions only when they are read: malformed ones throw then.
            throw new IdentityException("not a " + what + ": a malformed field");
        }
    }

    /**
     * The verifier of a CA certificate's (the root's or an issuer's) Ed25519 key, once its form is
     * checked: an Ed25519 key and basicConstraints CA:true.
     */
    static ContentVerifierProvider caVerifier(X509CertificateHolder holder) throws IdentityException {
        if (!holder.getSubjectPublicKeyInfo().getAlgorithm().getAlgorithm().equals(EdECObjectIdentifiers.id_Ed25519)) {
            throw new IdentityException("its key is not an Ed25519 key");
        }
        BasicConstraints constraints = BasicConstraints.fromExtensions(holder.getExtensions());
        if (constraints == null || !constraints.isCA()) {
            throw new IdentityException("it is not a CA certificate (basicConstraints CA:true)");
        }
        try {
            return new BcEdDSAContentVerifierProviderBuilder().build(holder);
        } catch (OperatorCreationException e) {
            throw new IdentityException("its Ed25519 key is malformed");
        }
    }

    /** Whether the CA {@code signer}, whose key {@code verifier} holds, signed {@code cert}. */
    static boolean signedBy(X509CertificateHolder cert, X509CertificateHolder signer, ContentVerifierProvider verifier) {
        try {
            return cert.getIssuer().equals(signer.getSubject()) && cert.isSignatureValid(verifier);
        } catch (CertException | RuntimeException e) {
            // BC parses the issuer's name only when it is compared: a malformed one throws then.
            return false;
        }
    }

    /**
     * Splits the DER of certificates sent one after the other (a chain) into each one's DER, by the
     * outer SEQUENCE's length; at most {@code most} of them.
     */
    static byte[][] split(byte[] der, int most) throws IdentityException {
        byte[][] parts = new byte[most][];
        int offset = 0;
        int count = 0;
        while (offset < der.length) {
            if (count == most) {
                throw new IdentityException("more than " + most + " certificates, or bytes after them");
            }
            int length = elementLength(der, offset);
            parts[count++] = Arrays.copyOfRange(der, offset, offset + length);
            offset += length;
        }
        if (count == 0) {
            throw new IdentityException("not an X.509 certificate (no bytes)");
        }
        return Arrays.copyOf(parts, count);
    }

    /** The length of the DER element at {@code offset}, its header included. */
    private static int elementLength(byte[] der, int offset) throws IdentityException {
        if (der.length - offset < 2) {
            throw new IdentityException("not an X.509 certificate (truncated)");
        }
        int first = der[offset + 1] & 0xff;
        long length = first;
        int header = 2;
        if (first > 0x80) {
            int n = first & 0x7f;
            if (n > 4 || der.length - offset - 2 < n) {
                throw new IdentityException("not an X.509 certificate (bad length)");
            }
            length = 0;
            for (int i = 0; i < n; i++) {
                length = length << 8 | der[offset + 2 + i] & 0xff;
            }
            header += n;
        } else if (first == 0x80) {
            throw new IdentityException("not an X.509 certificate (indefinite length is not DER)");
        }
        if (offset + header + length > der.length) {
            throw new IdentityException("not an X.509 certificate (truncated)");
        }
        return (int) (header + length);
    }
}
