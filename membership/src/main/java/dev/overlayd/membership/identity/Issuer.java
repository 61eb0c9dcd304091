package dev.overlayd.membership.identity;

import java.io.IOException;
import java.math.BigInteger;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import dev.overlayd.noise.PublicKey;
import dev.overlayd.peers.IpPrefix;
import com.google.common.net.InetAddresses;
import org.bouncycastle.crypto.params.Ed25519PrivateKeyParameters;

/**
 * A member that may issue node certificates: its intermediate certificate and key (never the root's)
 * and its ledger of what it issued (in its state directory), which is how a subnet comes back to the
 * pool only once its holder has left for good. Thread-safe.
 */
public final class Issuer {
    /** Short-lived certificates are renewed often; below a minute a certificate could expire in transit. */
    public static final Duration MIN_LIFETIME = Duration.ofMinutes(1);
    public static final Duration DEFAULT_LIFETIME = Duration.ofDays(7);
    /**
     * How long a subnet stays reserved after its certificate expired or was revoked: an instance that
     * was merely down (a stopped VM) comes back within it and finds its subnet, and its containers'
     * addresses, still its own.
     */
    public static final Duration DEFAULT_GRACE = Duration.ofHours(24);

    /** What an enrolling node asks for; its address and subnet are allocated. */
    public record Request(String name, PublicKey publicKey, VerifyingKey signingKey, List<String> groups,
                          Duration lifetime) {
        public Request {
            Objects.requireNonNull(name, "name");
            Objects.requireNonNull(publicKey, "publicKey");
            Objects.requireNonNull(lifetime, "lifetime");
            groups = List.copyOf(groups);
        }
    }

    /** The ledger file: every certificate this issuer signed whose subnet is not yet free again. */
    record Ledger(List<IssuedEntry> issued) {
        Ledger {
            issued = List.copyOf(issued);
        }
    }

    /** One certificate in the ledger; the compact constructor refuses what overlayd never writes. */
    record IssuedEntry(String serial, String name, String publicKey, String address, String subnet, long notAfter) {
        IssuedEntry {
            Objects.requireNonNull(name, "name");
            PublicKey.fromBase64(publicKey);
            InetAddresses.forString(address);
            IpPrefix.parse(subnet);
            new BigInteger(serial, 16);
        }

        static IssuedEntry of(NodeCertificate cert) {
            return new IssuedEntry(cert.serial().toString(16), cert.name(), cert.publicKey().toBase64(),
                    InetAddresses.toAddrString(cert.address()), cert.subnet().toString(), cert.notAfter().getEpochSecond());
        }

        BigInteger serialNumber() {
            return new BigInteger(serial, 16);
        }

        InetAddress inetAddress() {
            return InetAddresses.forString(address);
        }

        IpPrefix subnetPrefix() {
            return IpPrefix.parse(subnet);
        }

        Instant expires() {
            return Instant.ofEpochSecond(notAfter);
        }
    }

    private final IssuerCertificate certificate;
    private final CertificateSigner signer;
    private final ClusterCa ca;
    private final PrivateJsonFile<Ledger> ledgerFile;
    private final Duration grace;
    private final Clock clock;
    /** Guarded by this; replaced only once the ledger file holds the new list. */
    private List<IssuedEntry> ledger;

    private Issuer(IssuerCertificate certificate, CertificateSigner signer, ClusterCa ca,
                   PrivateJsonFile<Ledger> ledgerFile, List<IssuedEntry> ledger, Duration grace, Clock clock) {
        this.certificate = certificate;
        this.signer = signer;
        this.ca = ca;
        this.ledgerFile = ledgerFile;
        this.ledger = ledger;
        this.grace = grace;
        this.clock = clock;
    }

    /**
     * Loads the issuer: {@code certificate} and {@code key} as {@code overlayctl ca issuer} wrote them,
     * checked against the root {@code ca}; the ledger lives in {@code stateDirectory} (0700).
     */
    public static Issuer load(Path certificate, Path key, ClusterCa ca, Path stateDirectory, Duration grace, Clock clock)
            throws IdentityException {
        if (grace.isNegative()) {
            throw new IdentityException("the grace before a subnet is reused cannot be negative: " + grace);
        }
        IssuerCertificate cert = IssuerCertificate.read(certificate);
        Ed25519PrivateKeyParameters privateKey = CertificateSigner.readKey(key);
        CertificateSigner signer = new CertificateSigner(cert.holder().getSubject(), privateKey);
        if (!signer.owns(cert.publicKeyInfo())) {
            throw new IdentityException(key + " is not the key of " + certificate);
        }
        if (!ca.signedByThis(cert.holder())) {
            throw new IdentityException(certificate + ": not signed by cluster " + ca.name() + "'s CA");
        }
        try {
            Files.createDirectories(stateDirectory,
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        } catch (IOException e) {
            throw IdentityException.of(stateDirectory, e);
        }
        PrivateJsonFile<Ledger> file = new PrivateJsonFile<>(stateDirectory.resolve("issued.json"), Ledger.class,
                "issuer ledger");
        List<IssuedEntry> ledger = file.read().map(Ledger::issued).orElse(List.of());
        return new Issuer(cert, signer, ca, file, ledger, grace, clock);
    }

    public IssuerCertificate certificate() {
        return certificate;
    }

    /**
     * Issues a certificate for a new node, with the next subnet of this issuer's range that no live
     * certificate in the ledger and no member in {@code heldByMembers} (the subnets of the members
     * this node sees now) holds; a name with a live certificate of another key is refused.
     */
    public synchronized NodeCertificate issue(Request request, Set<IpPrefix> heldByMembers) throws IdentityException {
        CertificateAuthority.checkName("name", request.name());
        CertificateAuthority.checkGroups(request.groups());
        checkLifetime(request.lifetime());
        if (request.signingKey() == null) {
            throw new IdentityException("a node needs its record-signing key");
        }
        Instant now = now();
        List<IssuedEntry> kept = prune(now);
        String key = request.publicKey().toBase64();
        IssuedEntry previous = null;
        for (IssuedEntry entry : kept) {
            if (!entry.name().equals(request.name())) {
                continue;
            }
            if (!entry.publicKey().equals(key) && isLive(entry, now)) {
                throw new IdentityException(request.name() + " already has a live certificate of another key (serial "
                        + entry.serial() + ", valid until " + entry.expires() + "): revoke it or choose another name");
            }
            if (entry.publicKey().equals(key) && (previous == null || entry.notAfter() > previous.notAfter())) {
                previous = entry;
            }
        }
        IpPrefix subnet;
        InetAddress address;
        if (previous != null) {
            // The same node again (its key says so), e.g. after a reinstall that kept the key: its containers keep their addresses.
            subnet = previous.subnetPrefix();
            address = previous.inetAddress();
        } else {
            List<IpPrefix> taken = new ArrayList<>(heldByMembers);
            for (IssuedEntry entry : kept) {
                taken.add(entry.subnetPrefix());
                taken.add(IpPrefix.of(entry.inetAddress(), entry.inetAddress().getAddress().length * 8));
            }
            AddressAllocator allocator = new AddressAllocator(ca.overlay(), taken);
            subnet = allocator.freeBlockIn(certificate.range()).orElseThrow(() -> new IdentityException("issuer "
                    + certificate.name() + "'s range " + certificate.range() + " is full: every /" + allocator.blockBits()
                    + " in it is held by a live certificate, by a member, or was released less than " + grace + " ago"));
            address = AddressAllocator.firstHost(subnet);
        }
        NodeCertificate cert = sign(new CertificateSigner.NodeFields(request.name(), request.groups(), request.publicKey(),
                address, NodeCertificate.Kind.NODE, subnet, null, request.signingKey()), request.lifetime(), now);
        String name = request.name();
        List<IssuedEntry> next = new ArrayList<>(kept);
        next.removeIf(e -> e.name().equals(name) && e.publicKey().equals(key));
        next.add(IssuedEntry.of(cert));
        save(next);
        return cert;
    }

    /**
     * Renews a certificate this issuer signed and that is still valid: same name, key, address,
     * subnet and groups, a new serial and validity of {@code lifetime}.
     */
    public synchronized NodeCertificate renew(NodeCertificate current, Duration lifetime) throws IdentityException {
        checkLifetime(lifetime);
        Instant now = now();
        String who = current.name() + " (serial " + current.serial().toString(16) + ")";
        if (!current.issuerCertificate().map(certificate::equals).orElse(false) || !certificate.signed(current.holder())) {
            throw new IdentityException(who + ": not a certificate of issuer " + certificate.name());
        }
        if (ca.isRevoked(current.serial())) {
            throw new IdentityException(who + ": revoked");
        }
        if (!current.notAfter().isAfter(now)) {
            throw new IdentityException(who + ": expired at " + current.notAfter() + "; enrol again");
        }
        List<IssuedEntry> kept = prune(now);
        String serial = current.serial().toString(16);
        if (kept.stream().noneMatch(e -> e.serial().equals(serial))) {
            throw new IdentityException(who + ": not in issuer " + certificate.name() + "'s ledger " + ledgerFile.file());
        }
        NodeCertificate renewed = sign(CertificateSigner.NodeFields.of(current), lifetime, now);
        List<IssuedEntry> next = new ArrayList<>(kept);
        next.replaceAll(e -> e.serial().equals(serial) ? IssuedEntry.of(renewed) : e);
        save(next);
        return renewed;
    }

    private NodeCertificate sign(CertificateSigner.NodeFields fields, Duration lifetime, Instant now)
            throws IdentityException {
        try {
            ca.verify(certificate, now);
        } catch (CertificateRejected e) {
            throw new IdentityException("cannot issue: " + e.getMessage());
        }
        Instant notAfter = now.plus(lifetime);
        if (notAfter.isAfter(certificate.notAfter())) {
            notAfter = certificate.notAfter();
        }
        return NodeCertificate.issuedBy(signer.node(fields, now.minus(ClusterCa.CLOCK_SKEW), notAfter), certificate);
    }

    /** The ledger without the entries released (expired or revoked) longer than the grace ago. */
    private List<IssuedEntry> prune(Instant now) {
        return ledger.stream().filter(e -> released(e).plus(grace).isAfter(now)).toList();
    }

    private boolean isLive(IssuedEntry entry, Instant now) {
        return released(entry).isAfter(now);
    }

    /** When the entry's subnet stopped being held: its expiry, or its revocation when that came first. */
    private Instant released(IssuedEntry entry) {
        Instant expires = entry.expires();
        return ca.revokedAt(entry.serialNumber()).filter(r -> r.isBefore(expires)).orElse(expires);
    }

    private void save(List<IssuedEntry> next) throws IdentityException {
        ledgerFile.write(new Ledger(next));
        ledger = List.copyOf(next);
    }

    private Instant now() {
        return clock.instant().truncatedTo(ChronoUnit.SECONDS);
    }

    private static void checkLifetime(Duration lifetime) throws IdentityException {
        if (lifetime.compareTo(MIN_LIFETIME) < 0) {
            throw new IdentityException("a certificate is valid for at least " + MIN_LIFETIME.toMinutes()
                    + " minute, not " + lifetime);
        }
    }
}
