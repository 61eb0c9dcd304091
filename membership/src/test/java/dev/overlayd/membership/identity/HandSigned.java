package dev.overlayd.membership.identity;

import java.math.BigInteger;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import dev.overlayd.noise.PublicKey;
import dev.overlayd.peers.IpPrefix;
import org.bouncycastle.asn1.DEROctetString;
import org.bouncycastle.asn1.edec.EdECObjectIdentifiers;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.asn1.x509.AlgorithmIdentifier;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.crypto.params.Ed25519PrivateKeyParameters;
import org.bouncycastle.crypto.util.PrivateKeyFactory;
import org.bouncycastle.operator.bc.BcEdECContentSignerBuilder;

/**
 * A node certificate signed with a CA's key but not issued by {@link CertificateAuthority}, which
 * refuses what it holds: an address or subnet outside the overlay, as a careless tool (or a stolen
 * CA key) could make one.
 */
public final class HandSigned {
    private HandSigned() {}

    /** Signed by the CA in {@code caDir}, valid for a day from {@code from}; {@code subnet} may be null. */
    public static NodeCertificate node(Path caDir, String name, PublicKey key, InetAddress address, IpPrefix subnet,
            Instant from) throws Exception {
        return node(caDir, name, key, address, subnet, TestKeys.signingKey(), from);
    }

    /** As above with the record-signing key given, or none at all (null). */
    public static NodeCertificate node(Path caDir, String name, PublicKey key, InetAddress address, IpPrefix subnet,
            VerifyingKey signing, Instant from) throws Exception {
        ClusterCa ca = ClusterCa.read(caDir.resolve("ca.crt"));
        Ed25519PrivateKeyParameters caKey = (Ed25519PrivateKeyParameters) PrivateKeyFactory.createKey(
                PrivateKeyInfo.getInstance(Pem.decode(Files.readString(caDir.resolve("ca.key")), Pem.PRIVATE_KEY)));
        X509v3CertificateBuilder builder = new X509v3CertificateBuilder(ca.subject(), BigInteger.TWO,
                Date.from(from), Date.from(from.plus(Duration.ofDays(1))), X500Names.of(name, List.of()),
                new SubjectPublicKeyInfo(new AlgorithmIdentifier(EdECObjectIdentifiers.id_X25519), key.bytes()));
        builder.addExtension(Extension.subjectAlternativeName, false, new GeneralNames(
                new GeneralName(GeneralName.iPAddress, new DEROctetString(address.getAddress()))));
        builder.addExtension(OverlaydExtensions.member(new OverlaydExtensions.Member(NodeCertificate.Kind.NODE, subnet, null,
                signing)));
        return NodeCertificate.decode(builder.build(
                new BcEdECContentSignerBuilder(new AlgorithmIdentifier(EdECObjectIdentifiers.id_Ed25519)).build(caKey))
                .getEncoded());
    }
}
