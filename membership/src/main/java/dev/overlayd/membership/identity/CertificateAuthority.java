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
import org.bouncycastle.asn1.x500.X500Name;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.bouncycastle.asn1.x509.CRLNumber;
import org.bouncycastle.asn1.x509.Extension;
import org.bouncycastle.asn1.x509.KeyUsage;
import org.bouncycastle.cert.CertIOException;
import org.bouncycastle.cert.X509v2CRLBuilder;
import org.bouncycastle.cert.X509v3CertificateBuilder;
import org.bouncycastle.crypto.params.Ed25519PrivateKeyParameters;

/**
 * The cluster's CA with its private key, on the operator's machine: it issues and revokes node
 * certificates and issuers. Its directory holds ca.crt (0644), ca.key (PKCS#8 PEM, 0600), issued/NAME.crt
 * for every certificate it issued and issuers/NAME.crt (with NAME.key, 0600) for every issuer it
 * created (how it knows which addresses are taken), and revoked.crl (PEM).
 */
public final class CertificateAuthority {
    public static final int DEFAULT_CA_DAYS = 3650;
    public static final int DEFAULT_NODE_DAYS = 365;
    public static final int DEFAULT_ISSUER_DAYS = 365;

    /** Names become file names (issued/NAME.crt) and appear in logs: a DNS label's characters, and '_'. */
    private static final Pattern NAME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._-]{0,62}");

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
    private final CertificateSigner signer;
    private final Clock clock;

    private CertificateAuthority(Path dir, ClusterCa ca, Ed25519PrivateKeyParameters key, Clock clock) {
        this.dir = dir;
        this.ca = ca;
        this.signer = new CertificateSigner(ca.subject(), key);
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
        X509v3CertificateBuilder builder = new X509v3CertificateBuilder(subject,
                CertificateSigner.serial(new SecureRandom()), Date.from(now.minus(ClusterCa.CLOCK_SKEW)),
                Date.from(now.plus(Duration.ofDays(days))), subject, CertificateSigner.publicKeyInfo(key));
        try {
            builder.addExtension(Extension.basicConstraints, true, new BasicConstraints(true));
            builder.addExtension(Extension.keyUsage, true, new KeyUsage(KeyUsage.keyCertSign | KeyUsage.cRLSign));
            builder.addExtension(OverlaydExtensions.cluster(overlay));
        } catch (CertIOException e) {
            throw new IllegalStateException("DER encoding in memory failed", e);
        }
        ClusterCa ca;
        try {
            ca = ClusterCa.decode(CertificateSigner.encoded(builder.build(CertificateSigner.contentSigner(key))));
        } catch (IdentityException e) {
            throw new IllegalStateException("the CA certificate just built does not decode: " + e.getMessage(), e);
        }
        // The key first: a CA certificate without its key would be a cluster nobody can add nodes to.
        CertificateSigner.writeKey(dir.resolve("ca.key"), key);
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
        Ed25519PrivateKeyParameters key = CertificateSigner.readKey(keyFile);
        if (!CertificateSigner.publicKeyInfo(key).equals(ca.publicKeyInfo())) {
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
        checkName("issuer name", name);
        checkDays(days);
        if (!ca.overlay().covers(range)) {
            throw new IdentityException("range " + range + " is outside the overlay " + ca.overlay());
        }
        Instant now = clock.instant().truncatedTo(ChronoUnit.SECONDS);
        Path certFile = issuerFile(name, ".crt");
        if (Files.exists(certFile)) {
            IssuerCertificate other = IssuerCertificate.read(certFile);
            throw new IdentityException("issuer " + name + " already exists (serial " + other.serial().toString(16)
                    + (isLive(other.serial(), other.notAfter(), now) ? ", valid until " + other.notAfter() + "): revoke it and "
                    : "): ") + "remove " + certFile + " and its key first");
        }
        for (Taken other : taken(now)) {
            if (range.overlaps(other.prefix())) {
                throw new IdentityException("range " + range + " overlaps " + other.holder() + "'s " + other.prefix());
            }
        }
        try {
            Files.createDirectories(dir.resolve("issuers"));
        } catch (IOException e) {
            throw IdentityException.of(dir.resolve("issuers"), e);
        }
        Ed25519PrivateKeyParameters issuerKey = new Ed25519PrivateKeyParameters(new SecureRandom());
        IssuerCertificate cert = IssuerCertificate.decode(signer.issuer(name, range,
                CertificateSigner.publicKeyInfo(issuerKey), now.minus(ClusterCa.CLOCK_SKEW), now.plus(Duration.ofDays(days))));
        // The key first, as for the CA: a certificate without its key is a range nobody can issue from.
        CertificateSigner.writeKey(issuerFile(name, ".key"), issuerKey);
        writePublic(certFile, cert.toPem(), false);
        return cert;
    }

    /** Every issuer filed in issuers/, revoked and expired ones included. */
    public List<IssuerCertificate> issuers() throws IdentityException {
        return readAll(dir.resolve("issuers"), IssuerCertificate::read);
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
     * overlaps a live certificate's or a live issuer's range, which is the issuer's to allocate.
     */
    public synchronized NodeCertificate issue(Request request) throws IdentityException {
        checkName("name", request.name());
        checkGroups(request.groups());
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
        List<Taken> taken = taken(now);
        AddressAllocator allocator = new AddressAllocator(ca.overlay(), taken.stream().map(Taken::prefix).toList());
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
        for (Taken other : taken) {
            for (IpPrefix ours : wanted) {
                if (ours.overlaps(other.prefix())) {
                    throw new IdentityException(ours + " overlaps " + other.holder() + "'s " + other.prefix());
                }
            }
        }
        NodeCertificate cert = NodeCertificate.decode(signer.node(new CertificateSigner.NodeFields(request.name(),
                request.groups(), request.publicKey(), address, request.kind(), subnet, endpoint, signingKey),
                now.minus(ClusterCa.CLOCK_SKEW), now.plus(Duration.ofDays(request.days()))));
        cert.writePem(issuedFile(request.name()));
        return cert;
    }

    /**
     * Revokes the certificate filed under a name, an issuer by its name, or any certificate by its
     * serial (hex, as {@code overlayctl cert show} prints it), filed here or not (an issuer signed
     * it): signs a revocation list with every revocation so far and a CRL number one higher, writes
     * it to {@link #revocationFile()} and returns it (DER), to be spread to the nodes.
     */
    public synchronized byte[] revoke(String nameOrSerial) throws IdentityException {
        Revoked target = find(nameOrSerial);
        if (ca.isRevoked(target.serial())) {
            throw new IdentityException(target.what() + " (serial " + target.serial().toString(16) + ") is already revoked");
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
        builder.addCRLEntry(target.serial(), now, null);
        byte[] der;
        try {
            builder.addExtension(Extension.cRLNumber, false, new CRLNumber(number));
            der = builder.build(signer.contentSigner()).getEncoded();
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
        return readAll(dir.resolve("issued"), NodeCertificate::read);
    }

    private interface FileReader<T> {
        T read(Path file) throws IdentityException;
    }

    private static <T> List<T> readAll(Path directory, FileReader<T> reader) throws IdentityException {
        List<T> all = new ArrayList<>();
        if (!Files.isDirectory(directory)) {
            // A CA created before issuers existed has no issuers/.
            return all;
        }
        try (DirectoryStream<Path> files = Files.newDirectoryStream(directory, "*.crt")) {
            for (Path file : files) {
                all.add(reader.read(file));
            }
        } catch (IOException e) {
            throw IdentityException.of(directory, e);
        }
        return all;
    }

    /** An address or range that is not free: a live certificate's, or a live issuer's range. */
    private record Taken(String holder, IpPrefix prefix) {}

    private List<Taken> taken(Instant now) throws IdentityException {
        List<Taken> taken = new ArrayList<>();
        for (NodeCertificate cert : live(now)) {
            cert.allowedIps().forEach(p -> taken.add(new Taken(cert.name(), p)));
        }
        for (IssuerCertificate issuer : issuers()) {
            if (isLive(issuer.serial(), issuer.notAfter(), now)) {
                taken.add(new Taken("issuer " + issuer.name(), issuer.range()));
            }
        }
        return taken;
    }

    private List<NodeCertificate> live(Instant now) throws IdentityException {
        return issued().stream().filter(c -> isLive(c.serial(), c.notAfter(), now)).toList();
    }

    private boolean isLive(BigInteger serial, Instant notAfter, Instant now) {
        return !ca.isRevoked(serial) && notAfter.isAfter(now);
    }

    /** What {@link #revoke} revokes: how to name it in messages, and its serial. */
    private record Revoked(String what, BigInteger serial) {}

    /**
     * A node certificate or an issuer by name, or any certificate by serial: one filed here, or one
     * an issuer signed online, which only the issuer's ledger and the node know of.
     */
    private Revoked find(String nameOrSerial) throws IdentityException {
        if (NAME.matcher(nameOrSerial).matches()) {
            if (Files.exists(issuedFile(nameOrSerial))) {
                NodeCertificate cert = NodeCertificate.read(issuedFile(nameOrSerial));
                return new Revoked(cert.name(), cert.serial());
            }
            if (Files.exists(issuerFile(nameOrSerial, ".crt"))) {
                IssuerCertificate issuer = IssuerCertificate.read(issuerFile(nameOrSerial, ".crt"));
                return new Revoked("issuer " + issuer.name(), issuer.serial());
            }
        }
        BigInteger serial;
        try {
            serial = new BigInteger(1, HexFormat.of().parseHex(nameOrSerial.length() % 2 == 0 ? nameOrSerial : "0" + nameOrSerial));
        } catch (IllegalArgumentException e) {
            throw new IdentityException("no certificate or issuer named " + nameOrSerial + " in " + dir
                    + ", and it is not a serial (hex)");
        }
        for (NodeCertificate cert : issued()) {
            if (cert.serial().equals(serial)) {
                return new Revoked(cert.name(), cert.serial());
            }
        }
        for (IssuerCertificate issuer : issuers()) {
            if (issuer.serial().equals(serial)) {
                return new Revoked("issuer " + issuer.name(), issuer.serial());
            }
        }
        if (serial.signum() == 0) {
            throw new IdentityException("serial 0 is no certificate's: serials are positive");
        }
        return new Revoked("serial " + serial.toString(16), serial);
    }

    private Path issuedFile(String name) {
        return dir.resolve("issued").resolve(name + ".crt");
    }

    private Path issuerFile(String name, String extension) {
        return dir.resolve("issuers").resolve(name + extension);
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

    /** Refuses a group that {@link #checkName} would. */
    public static void checkGroups(List<String> groups) throws IdentityException {
        for (String group : groups) {
            checkName("group", group);
        }
    }

    private static void checkDays(int days) throws IdentityException {
        if (days < 1) {
            throw new IdentityException("a certificate is valid for at least 1 day, not " + days);
        }
    }

    private static void writePublic(Path file, String pem, boolean replace) throws IdentityException {
        AtomicWrite.write(file, pem.getBytes(StandardCharsets.US_ASCII), AtomicWrite.PUBLIC, replace);
    }
}
