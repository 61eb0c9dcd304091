package dev.overlayd.membership.identity;

import java.math.BigInteger;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import dev.overlayd.noise.PublicKey;
import dev.overlayd.peers.IpPrefix;
import org.bouncycastle.asn1.ASN1OctetString;
import org.bouncycastle.asn1.edec.EdECObjectIdentifiers;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.cert.X509CertificateHolder;

/**
 * A cluster member's identity as the CA signed it, an X.509 certificate: the name (subject CN), the
 * groups (subject OUs), the WireGuard public key (an X25519 SubjectPublicKeyInfo, RFC 8410), the
 * overlay address (subjectAltName iPAddress), and in overlayd's own extension the kind, the container
 * subnet, a static host's endpoint and a node's record-signing key. Decoding checks the form only; {@link ClusterCa#verify} decides
 * whether to trust it.
 */
public final class NodeCertificate {
    /** What holds the certificate. The declaration order is the ENUMERATED value in the certificate. */
    public enum Kind {
        /** A host of the cluster running overlayd. */
        NODE,
        /** A host outside the cluster running stock WireGuard, e.g. a database server, at a fixed endpoint. */
        STATIC_HOST
    }

    private final X509CertificateHolder holder;
    private final byte[] der;
    private final String name;
    private final String issuer;
    private final List<String> groups;
    private final PublicKey publicKey;
    private final InetAddress address;
    private final IpPrefix subnet;
    private final Kind kind;
    private final String endpoint;
    private final VerifyingKey signingKey;
    private final IssuerCertificate issuerCertificate;

    private NodeCertificate(X509CertificateHolder holder, byte[] der, IssuerCertificate issuerCertificate)
            throws IdentityException {
        this.holder = holder;
        this.der = der;
        this.issuerCertificate = issuerCertificate;
        if (issuerCertificate != null && !holder.getIssuer().equals(issuerCertificate.holder().getSubject())) {
            throw new IdentityException("it carries issuer " + issuerCertificate.name() + "'s certificate, but "
                    + X500Names.commonName(holder.getIssuer(), "issuer") + " signed it");
        }
        name = X500Names.commonName(holder.getSubject(), "subject");
        issuer = X500Names.commonName(holder.getIssuer(), "issuer");
        groups = X500Names.organizationalUnits(holder.getSubject());
        publicKey = x25519(holder.getSubjectPublicKeyInfo());
        address = address(holder);
        OverlaydExtensions.Member member = OverlaydExtensions.member(holder.getExtensions());
        kind = member.kind();
        endpoint = member.endpoint();
        signingKey = member.signingKey();
        subnet = member.subnet() != null ? member.subnet() : IpPrefix.of(address, address.getAddress().length * 8);
    }

    /** Decodes what {@link #encoded()} gives: the node certificate's DER, and its issuer's when it has one. */
    public static NodeCertificate decode(byte[] der) throws IdentityException {
        byte[][] chain;
        try {
            chain = CertificateHolders.split(der, 2);
        } catch (IdentityException e) {
            throw new IdentityException("not a node certificate: " + e.getMessage());
        }
        return issuedBy(chain[0], chain.length == 2 ? IssuerCertificate.decode(chain[1]) : null);
    }

    /** A certificate {@code issuer} just signed, as DER, with the issuer's certificate it carries. */
    static NodeCertificate issuedBy(byte[] der, IssuerCertificate issuer) throws IdentityException {
        return CertificateHolders.parse(der, "node certificate", (holder, node) -> new NodeCertificate(holder, node, issuer));
    }

    /** Reads a PEM certificate file as {@code overlayctl cert issue} writes it: one block, or two for a chain. */
    public static NodeCertificate read(Path pemFile) throws IdentityException {
        return Pem.readAll(pemFile, Pem.CERTIFICATE, NodeCertificate::decode);
    }

    /** The certificate as BC holds it, for checking its signature. */
    X509CertificateHolder holder() {
        return holder;
    }

    /**
     * The issuer certificate that signed this one when an issuer did rather than the root CA. It
     * travels with it: {@link #encoded()} is this certificate's DER followed by the issuer's, and
     * {@link #toPem()} two blocks, so that every node can check the chain up to the root it holds.
     */
    public Optional<IssuerCertificate> issuerCertificate() {
        return Optional.ofNullable(issuerCertificate);
    }

    /** The DER encoding, as it travels between nodes: followed by the issuer's when an issuer signed it. */
    public byte[] encoded() {
        if (issuerCertificate == null) {
            return der.clone();
        }
        byte[] issuer = issuerCertificate.encoded();
        byte[] chain = Arrays.copyOf(der, der.length + issuer.length);
        System.arraycopy(issuer, 0, chain, der.length, issuer.length);
        return chain;
    }

    public String toPem() {
        return Pem.encode(Pem.CERTIFICATE, der) + (issuerCertificate == null ? "" : issuerCertificate.toPem());
    }

    /** Writes the PEM to {@code file} (mode 0644), replacing it whole. */
    public void writePem(Path file) throws IdentityException {
        AtomicWrite.write(file, toPem().getBytes(StandardCharsets.US_ASCII), AtomicWrite.PUBLIC, true);
    }

    public String name() {
        return name;
    }

    /** The name of who signed it (the issuer's CN): the cluster's CA, or an issuer's. */
    public String issuer() {
        return issuer;
    }

    /** The node's WireGuard (X25519) public key. */
    public PublicKey publicKey() {
        return publicKey;
    }

    /** The node's own address in the overlay. */
    public InetAddress address() {
        return address;
    }

    /**
     * The container subnet routed to this host. A static host issued without one has just its
     * address, as a host prefix (/32 or /128).
     */
    public IpPrefix subnet() {
        return subnet;
    }

    public List<String> groups() {
        return groups;
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

    public Kind kind() {
        return kind;
    }

    /** Where a static host's WireGuard listens, "host:port"; empty for nodes, which are found through membership. */
    public Optional<String> endpoint() {
        return Optional.ofNullable(endpoint);
    }

    /**
     * The key a node's own records are signed with ({@link SigningKey}); empty for a static host,
     * which runs no overlayd and says nothing itself.
     */
    public Optional<VerifyingKey> signingKey() {
        return Optional.ofNullable(signingKey);
    }

    /**
     * What WireGuard routes to this peer: its address and its subnet, or just the subnet when that
     * already holds the address (the usual layout, the address being the subnet's .1).
     */
    public List<IpPrefix> allowedIps() {
        if (subnet.contains(address.getAddress())) {
            return List.of(subnet);
        }
        return List.of(IpPrefix.of(address, address.getAddress().length * 8), subnet);
    }

    /** SHA-256 of this certificate's DER (never its issuer's), lowercase hex: what {@code openssl x509 -fingerprint -sha256} shows. */
    public String fingerprint() {
        try {
            return HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(der));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("every JDK has SHA-256", e);
        }
    }

    @Override
    public boolean equals(Object o) {
        return o instanceof NodeCertificate c && Arrays.equals(der, c.der)
                && Objects.equals(issuerCertificate, c.issuerCertificate);
    }

    @Override
    public int hashCode() {
        return Arrays.hashCode(der);
    }

    @Override
    public String toString() {
        return "NodeCertificate[" + name + " " + address.getHostAddress() + ", serial " + serial().toString(16) + "]";
    }

    private static PublicKey x25519(SubjectPublicKeyInfo info) throws IdentityException {
        byte[] key = info.getPublicKeyData().getOctets();
        if (!info.getAlgorithm().getAlgorithm().equals(EdECObjectIdentifiers.id_X25519) || key.length != PublicKey.LENGTH) {
            throw new IdentityException("its key is not an X25519 (WireGuard) key");
        }
        return new PublicKey(key);
    }

    private static InetAddress address(X509CertificateHolder holder) throws IdentityException {
        GeneralNames names = GeneralNames.fromExtensions(holder.getExtensions(),
                Extension.subjectAlternativeName);
        List<byte[]> addresses = new ArrayList<>();
        for (GeneralName name : names == null ? new GeneralName[0] : names.getNames()) {
            if (name.getTagNo() == GeneralName.iPAddress) {
                addresses.add(((ASN1OctetString) name.getName()).getOctets());
            }
        }
        if (addresses.size() != 1) {
            throw new IdentityException(addresses.size() + " overlay addresses (subjectAltName iPAddress), not one");
        }
        try {
            return InetAddress.getByAddress(addresses.getFirst());
        } catch (UnknownHostException e) {
            throw new IdentityException("a " + addresses.getFirst().length + "-byte IP address");
        }
    }
}
