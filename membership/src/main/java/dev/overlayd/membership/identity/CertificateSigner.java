package dev.overlayd.membership.identity;

import java.io.IOException;
import java.math.BigInteger;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import dev.overlayd.noise.PublicKey;
import dev.overlayd.peers.IpPrefix;
import org.bouncycastle.asn1.DEROctetString;
import org.bouncycastle.asn1.edec.EdECObjectIdentifiers;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.AlgorithmIdentifier;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.cert.CertIOException;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.crypto.params.AsymmetricKeyParameter;
import org.bouncycastle.crypto.params.Ed25519PrivateKeyParameters;
import org.bouncycastle.crypto.util.PrivateKeyFactory;
import org.bouncycastle.crypto.util.PrivateKeyInfoFactory;
import org.bouncycastle.crypto.util.SubjectPublicKeyInfoFactory;
import org.bouncycastle.operator.ContentSigner;
import org.bouncycastle.operator.OperatorCreationException;
import org.bouncycastle.operator.bc.BcEdECContentSignerBuilder;

/**
 * An Ed25519 CA key with the name it signs as: the root CA's (offline, {@link CertificateAuthority})
 * or an issuer's (online, {@link Issuer}). Both build node certificates the same way, here, and
 * read and write their keys the same way.
 */
final class CertificateSigner {
    private static final AlgorithmIdentifier ED25519 = new AlgorithmIdentifier(EdECObjectIdentifiers.id_Ed25519);

    /** What a node certificate says, whoever signs it; {@code subnet}, {@code endpoint} and {@code signingKey} may be null. */
    record NodeFields(String name, List<String> groups, PublicKey publicKey, InetAddress address,
                      NodeCertificate.Kind kind, IpPrefix subnet, String endpoint, VerifyingKey signingKey) {
        NodeFields {
            groups = List.copyOf(groups);
        }

        /** The fields of {@code cert}, for renewing it. */
        static NodeFields of(NodeCertificate cert) {
            return new NodeFields(cert.name(), cert.groups(), cert.publicKey(), cert.address(), cert.kind(),
                    cert.subnet(), cert.endpoint().orElse(null), cert.signingKey().orElse(null));
        }
    }

    private final X500Name subject;
    private final Ed25519PrivateKeyParameters key;
    private final SecureRandom random = new SecureRandom();

    CertificateSigner(X500Name subject, Ed25519PrivateKeyParameters key) {
        this.subject = subject;
        this.key = key;
    }

    /** A node certificate valid from {@code notBefore} (backdated by the caller) to {@code notAfter}, as DER. */
    byte[] node(NodeFields fields, Instant notBefore, Instant notAfter) {
        X509v3CertificateBuilder builder = new X509v3CertificateBuilder(subject, serial(random),
                Date.from(notBefore), Date.from(notAfter), X500Names.of(fields.name(), fields.groups()),
                new SubjectPublicKeyInfo(new AlgorithmIdentifier(EdECObjectIdentifiers.id_X25519), fields.publicKey().bytes()));
        try {
            builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
            // An X25519 key can only agree on keys; it never signs.
            builder.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyAgreement));
            builder.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(
                    new GeneralName(GeneralName.iPAddress, new DEROctetString(fields.address().getAddress()))));
            builder.addExtension(OverlaydExtensions.member(new OverlaydExtensions.Member(fields.kind(),
                    fields.subnet(), fields.endpoint(), fields.signingKey())));
        } catch (CertIOException e) {
            throw new IllegalStateException("DER encoding in memory failed", e);
        }
        return encoded(builder.build(contentSigner(key)));
    }

    /**
     * An issuer certificate: a CA that signs node certificates only (pathLen 0, keyCertSign), for
     * addresses in {@code range}.
     */
    byte[] issuer(String name, IpPrefix range, SubjectPublicKeyInfo publicKey, Instant notBefore, Instant notAfter) {
        X509v3CertificateBuilder builder = new X509v3CertificateBuilder(subject, serial(random),
                Date.from(notBefore), Date.from(notAfter), X500Names.of(name, List.of()), publicKey);
        try {
            builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(0));
            builder.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign));
            builder.addExtension(OverlaydExtensions.issuer(range));
        } catch (CertIOException e) {
            throw new IllegalStateException("DER encoding in memory failed", e);
        }
        return encoded(builder.build(contentSigner(key)));
    }

    ContentSigner contentSigner() {
        return contentSigner(key);
    }

    /** Whether {@code info} is this signer's public key. */
    boolean owns(SubjectPublicKeyInfo info) {
        return publicKeyInfo(key).equals(info);
    }

    /** Random and positive, as RFC 5280 asks; 128 bits make a collision unthinkable. */
    static BigInteger serial(SecureRandom random) {
        BigInteger serial;
        do {
            serial = new BigInteger(128, random);
        } while (serial.signum() == 0);
        return serial;
    }

    static ContentSigner contentSigner(Ed25519PrivateKeyParameters key) {
        try {
            return new BcEdECContentSignerBuilder(ED25519).build(key);
        } catch (OperatorCreationException e) {
            throw new IllegalStateException("BC signs with Ed25519", e);
        }
    }

    static byte[] encoded(X509CertificateHolder holder) {
        try {
            return holder.getEncoded();
        } catch (IOException e) {
            throw new IllegalStateException("DER encoding in memory failed", e);
        }
    }

    static SubjectPublicKeyInfo publicKeyInfo(Ed25519PrivateKeyParameters key) {
        try {
            return SubjectPublicKeyInfoFactory.createSubjectPublicKeyInfo(key.generatePublicKey());
        } catch (IOException e) {
            throw new IllegalStateException("DER encoding in memory failed", e);
        }
    }

    /** Writes a new key file (PKCS#8 PEM, 0600); an existing one is never replaced. */
    static void writeKey(Path keyFile, Ed25519PrivateKeyParameters key) throws IdentityException {
        byte[] pkcs8;
        try {
            pkcs8 = PrivateKeyInfoFactory.createPrivateKeyInfo(key).getEncoded();
        } catch (IOException e) {
            throw new IllegalStateException("DER encoding in memory failed", e);
        }
        KeyFiles.write(keyFile, Pem.encode(Pem.PRIVATE_KEY, pkcs8).getBytes(StandardCharsets.US_ASCII));
    }

    /** Reads a key file as {@link #writeKey} writes it, with {@link KeyFiles}' checks. */
    static Ed25519PrivateKeyParameters readKey(Path keyFile) throws IdentityException {
        byte[] pem = KeyFiles.read(keyFile);
        try {
            AsymmetricKeyParameter key = PrivateKeyFactory.createKey(
                    PrivateKeyInfo.getInstance(Pem.decode(new String(pem, StandardCharsets.US_ASCII), Pem.PRIVATE_KEY)));
            if (key instanceof Ed25519PrivateKeyParameters ed25519) {
                return ed25519;
            }
            throw new IdentityException("not an Ed25519 key");
        } catch (IdentityException e) {
            throw new IdentityException(keyFile + ": " + e.getMessage());
        } catch (IOException | RuntimeException e) {
            throw new IdentityException(keyFile + ": not a PKCS#8 private key");
        }
    }
}
