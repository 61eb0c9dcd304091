package dev.overlayd.membership.identity;

import static dev.overlayd.membership.identity.TestKeys.signingKey;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.MessageDigest;
import java.time.Duration;
import java.time.Instant;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.List;
import java.util.Set;
import dev.overlayd.noise.PrivateKey;
import dev.overlayd.noise.PublicKey;
import dev.overlayd.peers.IpPrefix;
import org.bouncycastle.asn1.x509.BasicConstraints;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Issuer certificates and the chains they make: what the root CA creates, and what every node accepts. */
class IssuerTest {
    static final Instant T0 = Instant.parse("2026-05-01T10:00:00Z");
    static final IpPrefix OVERLAY = IpPrefix.parse("10.40.0.0/16");
    static final IpPrefix RANGE = IpPrefix.parse("10.40.128.0/20");

    @TempDir
    Path dir;

    MutableClock clock;
    CertificateAuthority authority;
    IssuerCertificate issuerCert;
    Issuer issuer;

    @BeforeEach
    void setUp() throws Exception {
        clock = new MutableClock(T0);
        authority = CertificateAuthority.init(dir.resolve("ca"), "prod", OVERLAY, 3650, clock);
        issuerCert = authority.createIssuer("asg-eu", RANGE, 30);
        issuer = load(authority.publicCa());
    }

    private Issuer load(ClusterCa root) throws IdentityException {
        return Issuer.load(dir.resolve("ca/issuers/asg-eu.crt"), dir.resolve("ca/issuers/asg-eu.key"), root,
                dir.resolve("state"), Issuer.DEFAULT_GRACE, clock);
    }

    private NodeCertificate enrol(String name) throws IdentityException {
        return issuer.issue(new Issuer.Request(name, PrivateKey.generate(new java.security.SecureRandom()).publicKey(),
                signingKey(), List.of("web"), Issuer.DEFAULT_LIFETIME), Set.of());
    }

    @Test
    void theIssuerCertificateIsAnIntermediateCaForItsRange() throws Exception {
        assertEquals("asg-eu", issuerCert.name());
        assertEquals(RANGE, issuerCert.range());
        assertEquals(T0.plus(Duration.ofDays(30)), issuerCert.notAfter());
        BasicConstraints constraints = BasicConstraints.fromExtensions(issuerCert.holder().getExtensions());
        assertTrue(constraints.isCA());
        assertEquals(0, constraints.getPathLenConstraint().intValue());
        assertEquals(issuerCert, IssuerCertificate.decode(issuerCert.encoded()));
        assertEquals(List.of(issuerCert), authority.issuers());
        assertEquals("rw-r--r--", mode(dir.resolve("ca/issuers/asg-eu.crt")));
        assertEquals("rw-------", mode(dir.resolve("ca/issuers/asg-eu.key")));
        authority.publicCa().verify(issuerCert, T0);
    }

    @Test
    void aChainedCertificateVerifiesAndTravelsWithItsIssuer() throws Exception {
        NodeCertificate web1 = enrol("web1");
        assertEquals("asg-eu", web1.issuer());
        assertEquals(issuerCert, web1.issuerCertificate().orElseThrow());
        assertEquals(IpPrefix.parse("10.40.128.0/24"), web1.subnet());
        assertEquals(InetAddress.getByName("10.40.128.1"), web1.address());
        assertEquals(T0.minus(ClusterCa.CLOCK_SKEW), web1.notBefore());
        assertEquals(T0.plus(Issuer.DEFAULT_LIFETIME), web1.notAfter());
        authority.publicCa().verify(web1, T0);

        byte[] encoded = web1.encoded();
        byte[] issuerDer = issuerCert.encoded();
        assertArrayEquals(issuerDer, Arrays.copyOfRange(encoded, encoded.length - issuerDer.length, encoded.length));
        NodeCertificate decoded = NodeCertificate.decode(encoded);
        assertEquals(web1, decoded);
        assertEquals(issuerCert, decoded.issuerCertificate().orElseThrow());
        byte[] nodeDer = Arrays.copyOf(encoded, encoded.length - issuerDer.length);
        assertEquals(HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(nodeDer)), web1.fingerprint());
        assertTrue(NodeCertificate.decode(nodeDer).issuerCertificate().isEmpty());

        Path file = dir.resolve("web1.crt");
        web1.writePem(file);
        assertEquals(2, Files.readString(file).split("-----BEGIN CERTIFICATE-----", -1).length - 1);
        assertEquals(web1, NodeCertificate.read(file));
    }

    @Test
    void decodingRefusesBytesAfterTheChain() throws Exception {
        byte[] encoded = enrol("web1").encoded();
        byte[] trailing = Arrays.copyOf(encoded, encoded.length + 1);
        assertThrows(IdentityException.class, () -> NodeCertificate.decode(trailing));
        byte[] three = Arrays.copyOf(encoded, encoded.length + issuerCert.encoded().length);
        System.arraycopy(issuerCert.encoded(), 0, three, encoded.length, issuerCert.encoded().length);
        assertTrue(assertThrows(IdentityException.class, () -> NodeCertificate.decode(three)).getMessage()
                .contains("more than 2 certificates"));
        assertThrows(IdentityException.class, () -> NodeCertificate.decode(Arrays.copyOf(encoded, encoded.length - 1)));
    }

    @Test
    void aNodeOutsideTheIssuersRangeIsRefused() throws Exception {
        CertificateSigner signer = new CertificateSigner(issuerCert.holder().getSubject(),
                CertificateSigner.readKey(dir.resolve("ca/issuers/asg-eu.key")));
        NodeCertificate outside = NodeCertificate.issuedBy(signer.node(new CertificateSigner.NodeFields("evil", List.of(),
                newKey(), InetAddress.getByName("10.40.7.1"), NodeCertificate.Kind.NODE, IpPrefix.parse("10.40.7.0/24"),
                null, signingKey()), T0, T0.plus(Duration.ofDays(1))), issuerCert);
        CertificateRejected e = assertThrows(CertificateRejected.class, () -> authority.publicCa().verify(outside, T0));
        assertEquals("evil: address 10.40.7.1 or subnet 10.40.7.0/24 outside issuer asg-eu's range " + RANGE, e.getMessage());
    }

    @Test
    void aChainWithAnIssuerThatDidNotSignTheNodeIsRefused() throws Exception {
        IssuerCertificate other = authority.createIssuer("asg-us", IpPrefix.parse("10.40.144.0/20"), 30);
        NodeCertificate web1 = enrol("web1");
        byte[] node = Arrays.copyOf(web1.encoded(), web1.encoded().length - issuerCert.encoded().length);
        assertThrows(IdentityException.class, () -> NodeCertificate.issuedBy(node, other));
    }

    @Test
    void aRevokedIssuersNodesAreRefused() throws Exception {
        NodeCertificate web1 = enrol("web1");
        authority.revoke("asg-eu");
        CertificateRejected e = assertThrows(CertificateRejected.class, () -> authority.publicCa().verify(web1, T0));
        assertEquals("web1: issuer asg-eu: certificate revoked", e.getMessage());
        assertThrows(IdentityException.class, () -> enrol("web2"));
    }

    @Test
    void aNodeCertificateRevokedBySerialIsRefused() throws Exception {
        NodeCertificate web1 = enrol("web1");
        // The CA never filed it: an issuer signed it online.
        authority.revoke(web1.serial().toString(16));
        CertificateRejected e = assertThrows(CertificateRejected.class, () -> authority.publicCa().verify(web1, T0));
        assertEquals("web1: certificate revoked", e.getMessage());
    }

    @Test
    void anExpiredIssuersNodesAreRefusedAndItsCertificatesEndWithIt() throws Exception {
        authority.createIssuer("short", IpPrefix.parse("10.40.160.0/20"), 1);
        Issuer shortLived = Issuer.load(dir.resolve("ca/issuers/short.crt"), dir.resolve("ca/issuers/short.key"),
                authority.publicCa(), dir.resolve("state-short"), Issuer.DEFAULT_GRACE, clock);
        NodeCertificate web1 = shortLived.issue(new Issuer.Request("web1", newKey(), signingKey(), List.of(),
                Duration.ofDays(7)), Set.of());
        assertEquals(T0.plus(Duration.ofDays(1)), web1.notAfter());
        Instant late = T0.plus(Duration.ofDays(1)).plus(ClusterCa.CLOCK_SKEW).plusSeconds(1);
        CertificateRejected e = assertThrows(CertificateRejected.class, () -> authority.publicCa().verify(web1, late));
        assertEquals("web1: issuer short: certificate expired at " + T0.plus(Duration.ofDays(1)), e.getMessage());
        clock.advance(Duration.ofDays(2));
        assertTrue(assertThrows(IdentityException.class, () -> shortLived.issue(new Issuer.Request("web2", newKey(),
                signingKey(), List.of(), Duration.ofDays(7)), Set.of())).getMessage().startsWith("cannot issue: issuer short"));
    }

    @Test
    void clockSkewOfUpToFiveMinutesIsAccepted() throws Exception {
        NodeCertificate web1 = enrol("web1");
        ClusterCa root = authority.publicCa();
        root.verify(web1, web1.notBefore().minus(Duration.ofMinutes(4)));
        root.verify(web1, web1.notAfter().plus(Duration.ofMinutes(4)));
        assertThrows(CertificateRejected.class, () -> root.verify(web1, web1.notBefore().minus(Duration.ofMinutes(6))));
        assertThrows(CertificateRejected.class, () -> root.verify(web1, web1.notAfter().plus(Duration.ofMinutes(6))));
    }

    @Test
    void anotherRootRefusesTheIssuerAndItsNodes() throws Exception {
        NodeCertificate web1 = enrol("web1");
        ClusterCa otherRoot = CertificateAuthority.init(dir.resolve("other"), "prod", OVERLAY, 3650, clock).publicCa();
        assertEquals("web1: issuer asg-eu: not signed by cluster prod's CA",
                assertThrows(CertificateRejected.class, () -> otherRoot.verify(web1, T0)).getMessage());
        assertEquals(dir.resolve("ca/issuers/asg-eu.crt") + ": not signed by cluster prod's CA",
                assertThrows(IdentityException.class, () -> load(otherRoot)).getMessage());
    }

    @Test
    void theKeyMustBeTheCertificates() throws Exception {
        authority.createIssuer("asg-us", IpPrefix.parse("10.40.144.0/20"), 30);
        assertEquals(dir.resolve("ca/issuers/asg-us.key") + " is not the key of " + dir.resolve("ca/issuers/asg-eu.crt"),
                assertThrows(IdentityException.class, () -> Issuer.load(dir.resolve("ca/issuers/asg-eu.crt"),
                        dir.resolve("ca/issuers/asg-us.key"), authority.publicCa(), dir.resolve("state"),
                        Issuer.DEFAULT_GRACE, clock)).getMessage());
    }

    @Test
    void createIssuerRefusesBadNamesAndTakenOrOutsideRanges() throws Exception {
        authority.issue(new CertificateAuthority.Request("web0", newKey(), signingKey(), InetAddress.getByName("10.40.200.1"),
                null, List.of(), 30, NodeCertificate.Kind.NODE, null));
        assertTrue(assertThrows(IdentityException.class, () -> authority.createIssuer("../x", IpPrefix.parse("10.40.64.0/20"), 30))
                .getMessage().startsWith("not a valid issuer name"));
        assertEquals("range 10.41.0.0/20 is outside the overlay " + OVERLAY, assertThrows(IdentityException.class,
                () -> authority.createIssuer("x", IpPrefix.parse("10.41.0.0/20"), 30)).getMessage());
        assertEquals("range 10.40.136.0/21 overlaps issuer asg-eu's " + RANGE, assertThrows(IdentityException.class,
                () -> authority.createIssuer("x", IpPrefix.parse("10.40.136.0/21"), 30)).getMessage());
        assertEquals("range 10.40.192.0/18 overlaps web0's 10.40.200.0/24", assertThrows(IdentityException.class,
                () -> authority.createIssuer("x", IpPrefix.parse("10.40.192.0/18"), 30)).getMessage());
        assertTrue(assertThrows(IdentityException.class, () -> authority.createIssuer("asg-eu", IpPrefix.parse("10.40.64.0/20"), 30))
                .getMessage().startsWith("issuer asg-eu already exists"));
        // Revoked, its range is free again.
        authority.revoke("asg-eu");
        authority.createIssuer("asg-eu2", RANGE, 30);
    }

    @Test
    void theRootCaNoLongerAllocatesFromAnIssuersRange() throws Exception {
        IssuerCertificate low = authority.createIssuer("low", IpPrefix.parse("10.40.0.0/23"), 30);
        NodeCertificate web1 = authority.issue(CertificateAuthority.Request.node("web1", newKey(), signingKey()));
        assertEquals(IpPrefix.parse("10.40.2.0/24"), web1.subnet());
        assertEquals("10.40.1.1/32 overlaps issuer low's " + low.range(), assertThrows(IdentityException.class,
                () -> authority.issue(new CertificateAuthority.Request("web2", newKey(), signingKey(), null,
                        IpPrefix.parse("10.40.1.0/24"), List.of(), 30, NodeCertificate.Kind.NODE, null))).getMessage());
    }

    @Test
    void revokeRefusesWhatIsNeitherANameNorASerial() {
        assertEquals("no certificate or issuer named web9 in " + dir.resolve("ca") + ", and it is not a serial (hex)",
                assertThrows(IdentityException.class, () -> authority.revoke("web9")).getMessage());
    }

    private static PublicKey newKey() {
        return CertificateAuthorityTest.newKey();
    }

    private static String mode(Path file) throws Exception {
        return PosixFilePermissions.toString(Files.getPosixFilePermissions(file));
    }
}
