package dev.overlayd.membership.identity;

import static dev.overlayd.membership.identity.TestKeys.signingKey;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import dev.overlayd.noise.PrivateKey;
import dev.overlayd.noise.PublicKey;
import dev.overlayd.peers.IpPrefix;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Issuing: every field as asked for, allocation that never hands out a live block twice, and the refusals. */
class CertificateAuthorityTest {
    static final Instant T0 = Instant.parse("2026-05-01T10:00:00Z");
    static final IpPrefix OVERLAY = IpPrefix.parse("10.40.0.0/16");

    @TempDir
    Path dir;

    static PublicKey newKey() {
        return PrivateKey.generate(new SecureRandom()).publicKey();
    }

    static Clock at(Instant instant) {
        return Clock.fixed(instant, ZoneOffset.UTC);
    }

    private CertificateAuthority ca() throws IdentityException {
        return CertificateAuthority.init(dir, "prod", OVERLAY, 3650, at(T0));
    }

    @Test
    void aNodeCertificateCarriesEveryFieldAskedFor() throws Exception {
        PublicKey key = newKey();
        NodeCertificate cert = ca().issue(new CertificateAuthority.Request("web1", key, signingKey(),
                InetAddress.getByName("10.40.7.1"), IpPrefix.parse("10.40.7.0/24"), List.of("web", "eu-west"), 30,
                NodeCertificate.Kind.NODE, null));

        NodeCertificate decoded = NodeCertificate.decode(cert.encoded());
        assertEquals("web1", decoded.name());
        assertEquals("prod", decoded.issuer());
        assertEquals(key, decoded.publicKey());
        assertEquals(InetAddress.getByName("10.40.7.1"), decoded.address());
        assertEquals(IpPrefix.parse("10.40.7.0/24"), decoded.subnet());
        assertEquals(List.of("web", "eu-west"), decoded.groups());
        assertEquals(T0.minus(ClusterCa.CLOCK_SKEW), decoded.notBefore());
        assertEquals(T0.plus(Duration.ofDays(30)), decoded.notAfter());
        assertEquals(NodeCertificate.Kind.NODE, decoded.kind());
        assertTrue(decoded.endpoint().isEmpty());
        assertEquals(List.of(IpPrefix.parse("10.40.7.0/24")), decoded.allowedIps());
        assertEquals(cert.serial(), decoded.serial());
        assertTrue(cert.serial().signum() > 0 && cert.serial().bitLength() <= 128);
        assertEquals(64, decoded.fingerprint().length());
        assertEquals(cert, NodeCertificate.decode(cert.encoded()));
    }

    @Test
    void aStaticHostCarriesItsEndpointAndAnAddressFromTheLastBlock() throws Exception {
        NodeCertificate db = ca().issue(new CertificateAuthority.Request("db1", newKey(), null, null, null, List.of("db"),
                365, NodeCertificate.Kind.STATIC_HOST, "192.0.2.10:51820"));

        NodeCertificate decoded = NodeCertificate.decode(db.encoded());
        assertEquals(NodeCertificate.Kind.STATIC_HOST, decoded.kind());
        assertEquals("192.0.2.10:51820", decoded.endpoint().orElseThrow());
        assertEquals(InetAddress.getByName("10.40.255.1"), decoded.address());
        assertEquals(IpPrefix.parse("10.40.255.1/32"), decoded.subnet());
        assertEquals(List.of(IpPrefix.parse("10.40.255.1/32")), decoded.allowedIps());
    }

    @Test
    void aSubnetOutsideTheAddressIsRoutedBesideIt() throws Exception {
        NodeCertificate cert = ca().issue(new CertificateAuthority.Request("edge", newKey(), signingKey(),
                InetAddress.getByName("10.40.9.1"), IpPrefix.parse("10.40.128.0/20"), List.of(), 30,
                NodeCertificate.Kind.NODE, null));

        assertEquals(List.of(IpPrefix.parse("10.40.9.1/32"), IpPrefix.parse("10.40.128.0/20")), cert.allowedIps());
    }

    @Test
    void aSubnetOutsideTheOverlayIsRefused() throws Exception {
        CertificateAuthority ca = ca();
        for (String subnet : List.of("172.20.0.0/16", "10.0.0.0/8")) {
            IdentityException e = assertThrows(IdentityException.class, () -> ca.issue(new CertificateAuthority.Request(
                    "edge", newKey(), signingKey(), InetAddress.getByName("10.40.9.1"), IpPrefix.parse(subnet), List.of(), 30,
                    NodeCertificate.Kind.NODE, null)));
            assertEquals("subnet " + subnet + " is outside the overlay 10.40.0.0/16", e.getMessage());
        }
        assertEquals(List.of(), ca.issued());
    }

    @Test
    void pemRoundTripsThroughTheIssuedFile() throws Exception {
        NodeCertificate cert = ca().issue(CertificateAuthority.Request.node("web1", newKey(), signingKey()));
        Path file = dir.resolve("issued/web1.crt");

        assertTrue(Files.readString(file).startsWith("-----BEGIN CERTIFICATE-----\n"));
        assertEquals(cert, NodeCertificate.read(file));
        assertEquals(cert.toPem(), Files.readString(file));
    }

    @Test
    void initWritesTheCertificateReadableAndTheKeyPrivate() throws Exception {
        CertificateAuthority ca = ca();

        assertEquals("rw-r--r--", PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("ca.crt"))));
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("ca.key"))));
        assertTrue(Files.readString(dir.resolve("ca.key")).startsWith("-----BEGIN PRIVATE KEY-----\n"));
        ClusterCa read = ClusterCa.read(dir.resolve("ca.crt"));
        assertEquals(ca.publicCa(), read);
        assertEquals("prod", read.name());
        assertEquals(OVERLAY, read.overlay());
        assertEquals(T0.plus(Duration.ofDays(3650)), read.notAfter());
    }

    @Test
    void initRefusesToReplaceACa() throws Exception {
        ca();
        IdentityException e = assertThrows(IdentityException.class, this::ca);
        assertEquals(dir + " already holds a CA: remove it first to start a new cluster", e.getMessage());
    }

    @Test
    void aLoadedCaSignsWhatTheFirstOneVerifies() throws Exception {
        CertificateAuthority first = ca();
        NodeCertificate cert = CertificateAuthority.load(dir, at(T0)).issue(CertificateAuthority.Request.node("web1", newKey(), signingKey()));

        first.publicCa().verify(cert, T0);
    }

    @Test
    void loadRefusesAMissingCa() {
        IdentityException e = assertThrows(IdentityException.class, () -> CertificateAuthority.load(dir.resolve("none")));
        assertEquals("no CA in " + dir.resolve("none") + " (no ca.crt): create one with overlayctl ca init", e.getMessage());
    }

    @Test
    void allocationGivesEachNodeItsOwnBlockAndItsFirstAddress() throws Exception {
        CertificateAuthority ca = ca();
        Set<IpPrefix> subnets = new HashSet<>();
        for (int i = 0; i < 5; i++) {
            NodeCertificate cert = ca.issue(CertificateAuthority.Request.node("n" + i, newKey(), signingKey()));
            assertEquals(IpPrefix.parse("10.40." + i + ".0/24"), cert.subnet());
            assertEquals(InetAddress.getByName("10.40." + i + ".1"), cert.address());
            subnets.add(cert.subnet());
        }
        assertEquals(5, subnets.size());
    }

    @Test
    void allocationSkipsABlockTakenByHand() throws Exception {
        CertificateAuthority ca = ca();
        ca.issue(new CertificateAuthority.Request("manual", newKey(), signingKey(), null, IpPrefix.parse("10.40.0.0/23"), List.of(),
                30, NodeCertificate.Kind.NODE, null));

        assertEquals(IpPrefix.parse("10.40.2.0/24"), ca.issue(CertificateAuthority.Request.node("auto", newKey(), signingKey())).subnet());
    }

    @Test
    void aRevokedNodesBlockAndNameAreFreeAgain() throws Exception {
        CertificateAuthority ca = ca();
        NodeCertificate old = ca.issue(CertificateAuthority.Request.node("web1", newKey(), signingKey()));
        ca.issue(CertificateAuthority.Request.node("web2", newKey(), signingKey()));
        ca.revoke("web1");

        NodeCertificate again = ca.issue(CertificateAuthority.Request.node("web1", newKey(), signingKey()));
        assertEquals(old.subnet(), again.subnet());
        assertNotEquals(old.serial(), again.serial());
    }

    @Test
    void anExpiredNodesNameIsFreeAgainButALiveOnesIsNot() throws Exception {
        ca().issue(new CertificateAuthority.Request("web1", newKey(), signingKey(), null, null, List.of(), 1, NodeCertificate.Kind.NODE, null));

        CertificateAuthority sameDay = CertificateAuthority.load(dir, at(T0.plus(Duration.ofHours(23))));
        IdentityException e = assertThrows(IdentityException.class,
                () -> sameDay.issue(CertificateAuthority.Request.node("web1", newKey(), signingKey())));
        assertTrue(e.getMessage().startsWith("web1 already has a certificate (serial "), e.getMessage());
        assertTrue(e.getMessage().endsWith(", valid until 2026-05-02T10:00:00Z): revoke it first"), e.getMessage());

        CertificateAuthority later = CertificateAuthority.load(dir, at(T0.plus(Duration.ofDays(2))));
        assertEquals(IpPrefix.parse("10.40.0.0/24"), later.issue(CertificateAuthority.Request.node("web1", newKey(), signingKey())).subnet());
    }

    @Test
    void aSubnetOverlappingALiveOneIsRefused() throws Exception {
        CertificateAuthority ca = ca();
        ca.issue(CertificateAuthority.Request.node("web1", newKey(), signingKey()));

        IdentityException e = assertThrows(IdentityException.class, () -> ca.issue(new CertificateAuthority.Request("web2",
                newKey(), signingKey(), null, IpPrefix.parse("10.40.0.128/25"), List.of(), 30, NodeCertificate.Kind.NODE, null)));
        assertEquals("10.40.0.129/32 overlaps web1's 10.40.0.0/24", e.getMessage());
    }

    @Test
    void anAddressTakenByAStaticHostIsRefused() throws Exception {
        CertificateAuthority ca = ca();
        ca.issue(new CertificateAuthority.Request("db1", newKey(), null, null, null, List.of(), 30,
                NodeCertificate.Kind.STATIC_HOST, "db1.example:51820"));

        IdentityException e = assertThrows(IdentityException.class, () -> ca.issue(new CertificateAuthority.Request("db2",
                newKey(), null, InetAddress.getByName("10.40.255.1"), null, List.of(), 30, NodeCertificate.Kind.STATIC_HOST,
                "db2.example:51820")));
        assertEquals("10.40.255.1/32 overlaps db1's 10.40.255.1/32", e.getMessage());
        assertEquals(InetAddress.getByName("10.40.255.2"), ca.issue(new CertificateAuthority.Request("db2", newKey(), null, null,
                null, List.of(), 30, NodeCertificate.Kind.STATIC_HOST, "db2.example:51820")).address());
    }

    @Test
    void anAddressOutsideTheOverlayIsRefused() throws Exception {
        IdentityException e = assertThrows(IdentityException.class, () -> ca().issue(new CertificateAuthority.Request("web1",
                newKey(), signingKey(), InetAddress.getByName("10.41.0.1"), null, List.of(), 30, NodeCertificate.Kind.NODE, null)));
        assertEquals("address 10.41.0.1 is outside the overlay 10.40.0.0/16", e.getMessage());
    }

    @Test
    void badNamesGroupsAndEndpointsAreRefused() throws Exception {
        CertificateAuthority ca = ca();
        assertEquals("not a valid name: '../etc' (up to 63 letters, digits, '.', '-' and '_', starting with a letter or digit)",
                assertThrows(IdentityException.class, () -> ca.issue(CertificateAuthority.Request.node("../etc", newKey(), signingKey())))
                        .getMessage());
        assertTrue(assertThrows(IdentityException.class, () -> ca.issue(new CertificateAuthority.Request("a", newKey(), signingKey(), null,
                null, List.of("a,b"), 30, NodeCertificate.Kind.NODE, null))).getMessage().startsWith("not a valid group: 'a,b'"));
        assertEquals("a static host needs its endpoint (host:port)", assertThrows(IdentityException.class,
                () -> ca.issue(new CertificateAuthority.Request("db1", newKey(), null, null, null, List.of(), 30,
                        NodeCertificate.Kind.STATIC_HOST, null))).getMessage());
        assertEquals("not an endpoint (host:port): db1.example", assertThrows(IdentityException.class,
                () -> ca.issue(new CertificateAuthority.Request("db1", newKey(), null, null, null, List.of(), 30,
                        NodeCertificate.Kind.STATIC_HOST, "db1.example"))).getMessage());
        assertTrue(ca.issued().isEmpty());
    }

    @Test
    void revokeBySerialAndTheCrlNumberGrows() throws Exception {
        CertificateAuthority ca = ca();
        NodeCertificate web1 = ca.issue(CertificateAuthority.Request.node("web1", newKey(), signingKey()));
        NodeCertificate web2 = ca.issue(CertificateAuthority.Request.node("web2", newKey(), signingKey()));

        byte[] first = ca.revoke(web1.serial().toString(16));
        byte[] second = ca.revoke("web2");

        ClusterCa fresh = ClusterCa.read(dir.resolve("ca.crt"));
        assertTrue(fresh.acceptRevocations(second));
        assertFalse(fresh.acceptRevocations(first));
        assertTrue(fresh.isRevoked(web1.serial()) && fresh.isRevoked(web2.serial()));
        assertArrayEquals(second, Pem.read(ca.revocationFile(), Pem.CRL));
        assertArrayEquals(second, CertificateAuthority.load(dir).publicCa().revocations());
        assertEquals("web1 (serial " + web1.serial().toString(16) + ") is already revoked",
                assertThrows(IdentityException.class, () -> ca.revoke("web1")).getMessage());
        assertEquals("no certificate or issuer named web3 in " + dir + ", and it is not a serial (hex)",
                assertThrows(IdentityException.class, () -> ca.revoke("web3")).getMessage());
    }
}
