package dev.overlayd.membership.identity;

import java.io.IOException;
import java.math.BigInteger;
import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Date;
import java.util.HexFormat;
import java.util.List;
import java.util.Objects;
import java.util.regex.Pattern;
import dev.overlayd.noise.PublicKey;
import dev.overlayd.peers.IpPrefix;
import dev.overlayd.peers.HostPort;
import com.google.common.net.InetAddresses;
import org.bouncycastle.asn1.DEROctetString;
import org.bouncycastle.asn1.edec.EdECObjectIdentifiers;
import org.bouncycastle.asn1.pkcs.PrivateKeyInfo;
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.AlgorithmIdentifier;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.CRLNumber;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.GeneralName;
import org.bouncycastle.asn1.x509.GeneralNames;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.asn1.x509.SubjectPublicKeyInfo;
import org.bouncycastle.cert.CertIOException;
import org.bouncycastle.cert.X509CertificateHolder;
import org.bouncycastle.cert.X509v2CRLBuilder;
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
 * The cluster's CA with its private key, on the operator's machine: it issues and revokes node
 * certificates. Its directory holds ca.crt (0644), ca.key (PKCS#8 PEM, 0600), issued/NAME.crt for
 * every certificate it issued (how it knows which addresses are taken), and revoked.crl (PEM).
 */
public final class CertificateAuthority {
    public static final int DEFAULT_CA_DAYS = 3650;
    public static final int DEFAULT_NODE_DAYS = 365;

    /** Names become file names (issued/NAME.crt) and appear in logs: a DNS label's characters, and '_'. */
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,62}");
    /** Issued just now yet "not yet valid" on a node whose clock is a little behind: start a minute early. */
    private static final Duration CLOCK_SKEW = Duration.ofMinutes(1);
    private static final AlgorithmIdentifier ED25519 = new AlgorithmIdentifier(EdECObjectIdentifiers.id_Ed25519);

    /**
     * What to certify. {@code address} and {@code subnet} may be null to have them allocated (a node
     * gets the next free block, a static host the next free address and no subnet); {@code endpoint}
     * ("host:port") is a static host's and only its; {@code signingKey} is a node's and only its
     * ({@link SigningKey#derive} of the node's private key).
     */
    public record Request(String name, PublicKey publicKey, VerifyingKey signingKey, InetAddress address,
                          IpPrefix subnet, List<String> groups, int days, NodeCertificate.Kind kind, String endpoint) {
        public Request {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(publicKey, "publicKey");
            Objects.requireNonNull(kind, "kind");
            groups = List.copyOf(groups);
        }

        /** A node with an allocated address and subnet, no groups, for the default term. */
        public static Request node(String name, PublicKey publicKey, VerifyingKey signingKey) {
            return new Request(name, publicKey, signingKey, null, null, List.of(), DEFAULT_NODE_DAYS,
                    NodeCertificate.Kind.NODE, null);
        }
    }

    private final Path dir;
    private final ClusterCa ca;
    private final Ed25519PrivateKeyParameters key;
    private final Clock clock;
    private final SecureRandom random = new SecureRandom();

    private CertificateAuthority(Path dir, ClusterCa ca, Ed25519PrivateKeyParameters key, Clock clock) {
        this.dir = dir;
        this.ca = ca;
        this.key = key;
        this.clock = clock;
    }

    /** Creates a cluster's CA in {@code dir}, which must not hold one already. */
    public static CertificateAuthority init(Path dir, String clusterName, IpPrefix overlay, int days)
            throws IdentityException {
        return init(dir, clusterName, overlay, days, Clock.systemUTC());
    }

    static CertificateAuthority init(Path dir, String clusterName, IpPrefix overlay, int days, Clock clock)
            throws IdentityException {
        checkName("cluster name", clusterName);
        checkDays(days);
        if (Files.exists(dir.resolve("ca.crt")) || Files.exists(dir.resolve("ca.key"))) {
            throw new IdentityException(dir + " already holds a CA: remove it first to start a new cluster");
        }
        try {
            Files.createDirectories(dir.resolve("issued"));
        } catch (IOException e) {
            throw IdentityException.of(dir, e);
        }
        Ed25519PrivateKeyParameters key = new Ed25519PrivateKeyParameters(new SecureRandom());
        X500Name subject = X500Names.of(clusterName, List.of());
        Instant now = clock.instant().truncatedTo(ChronoUnit.SECONDS);
        SubjectPublicKeyInfo publicKey;
        byte[] pkcs8;
        try {
            publicKey = SubjectPublicKeyInfoFactory.createSubjectPublicKeyInfo(key.generatePublicKey());
            pkcs8 = PrivateKeyInfoFactory.createPrivateKeyInfo(key).getEncoded();
        } catch (IOException e) {
            throw new IllegalStateException("DER encoding in memory failed", e);
        }
        X509v3CertificateBuilder builder = new X509v3CertificateBuilder(subject, serial(new SecureRandom()),
                Date.from(now.minus(CLOCK_SKEW)), Date.from(now.plus(Duration.ofDays(days))), subject, publicKey);
        try {
            builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(true));
            builder.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
            builder.addExtension(OverlaydExtensions.cluster(overlay));
        } catch (CertIOException e) {
            throw new IllegalStateException("DER encoding in memory failed", e);
        }
        ClusterCa ca;
        try {
            ca = ClusterCa.decode(encoded(builder.build(signer(key))));
        } catch (IdentityException e) {
            throw new IllegalStateException("the CA certificate just built does not decode: " + e.getMessage(), e);
        }
        // The key first: a CA certificate without its key would be a cluster nobody can add nodes to.
        KeyFiles.write(dir.resolve("ca.key"), Pem.encode(Pem.PRIVATE_KEY, pkcs8).getBytes(StandardCharsets.US_ASCII));
        writePublic(dir.resolve("ca.crt"), ca.toPem(), false);
        return new CertificateAuthority(dir, ca, key, clock);
    }

    /** The CA in {@code dir}, with the revocations it made. */
    public static CertificateAuthority load(Path dir) throws IdentityException {
        return load(dir, Clock.systemUTC());
    }

    static CertificateAuthority load(Path dir, Clock clock) throws IdentityException {
        Path certFile = dir.resolve("ca.crt");
        if (!Files.exists(certFile)) {
            throw new IdentityException("no CA in " + dir + " (no ca.crt): create one with overlayctl ca init");
        }
        ClusterCa ca = ClusterCa.read(certFile);
        Path keyFile = dir.resolve("ca.key");
        Ed25519PrivateKeyParameters key = readKey(keyFile);
        SubjectPublicKeyInfo publicKey;
        try {
            publicKey = SubjectPublicKeyInfoFactory.createSubjectPublicKeyInfo(key.generatePublicKey());
        } catch (IOException e) {
            throw new IllegalStateException("DER encoding in memory failed", e);
        }
        if (!publicKey.equals(ca.publicKeyInfo())) {
            throw new IdentityException(keyFile + " is not the key of " + certFile);
        }
        Path crlFile = dir.resolve("revoked.crl");
        if (Files.exists(crlFile)) {
            try {
                ca.acceptRevocations(Pem.read(crlFile, Pem.CRL));
            } catch (CertificateRejected e) {
                throw new IdentityException(crlFile + ": " + e.getMessage());
            }
        }
        return new CertificateAuthority(dir, ca, key, clock);
    }

    /**
     * Creates an issuer (an intermediate CA, {@code overlayctl ca issuer}) that may sign node
     * certificates for addresses in {@code range} only, so that the root key can stay offline: writes
     * issuers/NAME.crt (0644) and issuers/NAME.key (0600). Refuses a range outside the overlay or
     * overlapping another live issuer's range or a live certificate's addresses.
     */
    public synchronized IssuerCertificate createIssuer(String name, IpPrefix range, int days) throws IdentityException {
        throw new UnsupportedOperationException("issue 15: identity helper");
    }

    /** What every node is given: the CA certificate and the revocations. */
    public ClusterCa publicCa() {
        return ca;
    }

    /** Where {@link #revoke} writes the revocation list. */
    public Path revocationFile() {
        return dir.resolve("revoked.crl");
    }

    /**
     * Issues a certificate and files it in issued/NAME.crt. Refuses a name that has a live (neither
     * revoked nor expired) certificate, an address or subnet outside the overlay, and one that
     * overlaps a live certificate's.
     */
    public synchronized NodeCertificate issue(Request request) throws IdentityException {
        checkName("name", request.name());
        for (String group : request.groups()) {
            checkName("group", group);
        }
        checkDays(request.days());
        String endpoint = endpoint(request);
        VerifyingKey signingKey = signingKey(request);
        Instant now = clock.instant().truncatedTo(ChronoUnit.SECONDS);
        List<NodeCertificate> live = live(now);
        for (NodeCertificate other : live) {
            if (other.name().equals(request.name())) {
                throw new IdentityException(request.name() + " already has a certificate (serial "
                        + other.serial().toString(16) + ", valid until " + other.notAfter() + "): revoke it first");
            }
        }
        List<IpPrefix> taken = live.stream().flatMap(c -> c.allowedIps().stream()).toList();
        AddressAllocator allocator = new AddressAllocator(ca.overlay(), taken);
        InetAddress address;
        IpPrefix subnet;
        if (request.kind() == NodeCertificate.Kind.NODE) {
            subnet = request.subnet() != null ? request.subnet()
                    : request.address() != null ? allocator.block(request.address()) : allocator.freeBlock();
            address = request.address() != null ? request.address() : AddressAllocator.firstHost(subnet);
        } else {
            subnet = request.subnet();
            address = request.address() != null ? request.address() : allocator.freeStaticHostAddress();
        }
        if (!ca.overlay().contains(address.getAddress())) {
            throw new IdentityException("address " + InetAddresses.toAddrString(address) + " is outside the overlay "
                    + ca.overlay() + (request.address() == null ? ": give an address in it" : ""));
        }
        // Every node routes the overlay to its interface and nothing else, and admits only what lies in it.
        if (subnet != null && !ca.overlay().covers(subnet)) {
            throw new IdentityException("subnet " + subnet + " is outside the overlay " + ca.overlay());
        }
        List<IpPrefix> wanted = new ArrayList<>(List.of(IpPrefix.of(address, address.getAddress().length * 8)));
        if (subnet != null) {
            wanted.add(subnet);
        }
        for (NodeCertificate other : live) {
            for (IpPrefix theirs : other.allowedIps()) {
                for (IpPrefix ours : wanted) {
                    if (ours.overlaps(theirs)) {
                        throw new IdentityException(ours + " overlaps " + other.name() + "'s " + theirs);
                    }
                }
            }
        }

        X509v3CertificateBuilder builder = new X509v3CertificateBuilder(ca.subject(), serial(random),
                Date.from(now.minus(CLOCK_SKEW)), Date.from(now.plus(Duration.ofDays(request.days()))),
                X500Names.of(request.name(), request.groups()),
                new SubjectPublicKeyInfo(new AlgorithmIdentifier(EdECObjectIdentifiers.id_X25519), request.publicKey().bytes()));
        try {
            builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(false));
            // An X25519 key can only agree on keys; it never signs.
            builder.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyAgreement));
            builder.addExtension(Extension.subjectAlternativeName, false,
                    new GeneralNames(new GeneralName(GeneralName.iPAddress, new DEROctetString(address.getAddress()))));
            builder.addExtension(OverlaydExtensions.member(new OverlaydExtensions.Member(request.kind(), subnet, endpoint, signingKey)));
        } catch (CertIOException e) {
            throw new IllegalStateException("DER encoding in memory failed", e);
        }
        NodeCertificate cert = NodeCertificate.decode(encoded(builder.build(signer(key))));
        cert.writePem(issuedFile(request.name()));
        return cert;
    }

    /**
     * Revokes the certificate filed under a name, or with a serial (hex, as {@code overlayctl cert
     * show} prints it): signs a revocation list with every revocation so far and a CRL number one
     * higher, writes it to {@link #revocationFile()} and returns it (DER), to be spread to the nodes.
     */
    public synchronized byte[] revoke(String nameOrSerial) throws IdentityException {
        NodeCertificate cert = find(nameOrSerial);
        if (ca.isRevoked(cert.serial())) {
            throw new IdentityException(cert.name() + " (serial " + cert.serial().toString(16) + ") is already revoked");
        }
        Date now = Date.from(clock.instant());
        X509v2CRLBuilder builder = new X509v2CRLBuilder(ca.subject(), now);
        RevocationList previous = ca.revocationList();
        BigInteger number = BigInteger.ONE;
        if (previous != null) {
            builder.addCRL(previous.holder());
            number = previous.number().add(BigInteger.ONE);
        }
        // No reason code: RFC 5280 asks for none rather than "unspecified".
        builder.addCRLEntry(cert.serial(), now, null);
        byte[] der;
        try {
            builder.addExtension(Extension.cRLNumber, false, new CRLNumber(number));
            der = builder.build(signer(key)).getEncoded();
        } catch (IOException e) {
            throw new IllegalStateException("DER encoding in memory failed", e);
        }
        writePublic(revocationFile(), Pem.encode(Pem.CRL, der), true);
        try {
            ca.acceptRevocations(der);
        } catch (CertificateRejected e) {
            throw new IllegalStateException("the CA rejects its own revocation list: " + e.getMessage(), e);
        }
        return der;
    }

    /** Every certificate filed in issued/, revoked and expired ones included. */
    public List<NodeCertificate> issued() throws IdentityException {
        List<NodeCertificate> certs = new ArrayList<>();
        try (DirectoryStream<Path> files = Files.newDirectoryStream(dir.resolve("issued"), "*.crt")) {
            for (Path file : files) {
                certs.add(NodeCertificate.read(file));
            }
        } catch (IOException e) {
            throw IdentityException.of(dir.resolve("issued"), e);
        }
        return certs;
    }

    private List<NodeCertificate> live(Instant now) throws IdentityException {
        return issued().stream().filter(c -> !ca.isRevoked(c.serial()) && c.notAfter().isAfter(now)).toList();
    }

    private NodeCertificate find(String nameOrSerial) throws IdentityException {
        if (NAME.matcher(nameOrSerial).matches() && Files.exists(issuedFile(nameOrSerial))) {
            return NodeCertificate.read(issuedFile(nameOrSerial));
        }
        BigInteger serial;
        try {
            serial = new BigInteger(1, HexFormat.of().parseHex(nameOrSerial.length() % 2 == 0 ? nameOrSerial : "0" + nameOrSerial));
        } catch (IllegalArgumentException e) {
            serial = null;
        }
        for (NodeCertificate cert : issued()) {
            if (cert.serial().equals(serial)) {
                return cert;
            }
        }
        throw new IdentityException("no certificate named or with serial " + nameOrSerial + " in " + dir.resolve("issued"));
    }

    private Path issuedFile(String name) {
        return dir.resolve("issued").resolve(name + ".crt");
    }

    private static String endpoint(Request request) throws IdentityException {
        if (request.kind() == NodeCertificate.Kind.NODE) {
            if (request.endpoint() != null) {
                throw new IdentityException("only a static host has a fixed endpoint; nodes are found through membership");
            }
            return null;
        }
        if (request.endpoint() == null) {
            throw new IdentityException("a static host needs its endpoint (host:port)");
        }
        try {
            return HostPort.parse(request.endpoint()).toString();
        } catch (IllegalArgumentException e) {
            // Said below, the same for both.
        }
        throw new IdentityException("not an endpoint (host:port): " + request.endpoint());
    }

    private static VerifyingKey signingKey(Request request) throws IdentityException {
        boolean node = request.kind() == NodeCertificate.Kind.NODE;
        if (node && request.signingKey() == null) {
            throw new IdentityException("a node needs its record-signing key");
        }
        if (!node && request.signingKey() != null) {
            throw new IdentityException("a static host runs no overlayd: it has no record-signing key");
        }
        return request.signingKey();
    }

    /**
     * Refuses a name (a member's, a group's, the cluster's) that could not be a file name or a log
     * word: callers that turn a name into files check it before they write any.
     */
    public static void checkName(String what, String name) throws IdentityException {
        if (!NAME.matcher(name).matches()) {
            throw new IdentityException("not a valid " + what + ": '" + name
                    + "' (up to 63 letters, digits, '.', '-' and '_', starting with a letter or digit)");
        }
    }

    private static void checkDays(int days) throws IdentityException {
        if (days < 1) {
            throw new IdentityException("a certificate is valid for at least 1 day, not " + days);
        }
    }

    /** Random and positive, as RFC 5280 asks; 128 bits make a collision unthinkable. */
    private static BigInteger serial(SecureRandom random) {
        BigInteger serial;
        do {
            serial = new BigInteger(128, random);
        } while (serial.signum() == 0);
        return serial;
    }

    private static ContentSigner signer(Ed25519PrivateKeyParameters key) {
        try {
            return new BcEdECContentSignerBuilder(ED25519).build(key);
        } catch (OperatorCreationException e) {
            throw new IllegalStateException("BC signs with Ed25519", e);
        }
    }

    private static byte[] encoded(X509CertificateHolder holder) {
        try {
            return holder.getEncoded();
        } catch (IOException e) {
            throw new IllegalStateException("DER encoding in memory failed", e);
        }
    }

    private static Ed25519PrivateKeyParameters readKey(Path keyFile) throws IdentityException {
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

    private static void writePublic(Path file, String pem, boolean replace) throws IdentityException {
        AtomicWrite.write(file, pem.getBytes(StandardCharsets.US_ASCII), AtomicWrite.PUBLIC, replace);
    }
}
