package dev.overlayd.membership.identity;

import static dev.overlayd.membership.identity.TestKeys.signingKey;
import static dev.overlayd.membership.identity.CertificateAuthorityTest.OVERLAY;
import static dev.overlayd.membership.identity.CertificateAuthorityTest.T0;
import static dev.overlayd.membership.identity.CertificateAuthorityTest.at;
import static dev.overlayd.membership.identity.CertificateAuthorityTest.newKey;
import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import dev.overlayd.peers.IpPrefix;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import org.junit.jupiter.api.io.TempDir;

/** What a node accepts: this CA's live certificates in the overlay, and this CA's newer revocation lists. */
class ClusterCaTest {
    @TempDir
    Path temp;

    private CertificateAuthority authority;
    private ClusterCa ca;
    private NodeCertificate db1;

    @BeforeEach
    void issue() throws Exception {
        authority = CertificateAuthority.init(temp.resolve("ca"), "prod", OVERLAY, 3650, at(T0));
        ca = ClusterCa.decode(authority.publicCa().encoded());
        db1 = authority.issue(new CertificateAuthority.Request("db1", newKey(), null, null, null, List.of(), 200,
                NodeCertificate.Kind.STATIC_HOST, "192.0.2.10:51820"));
    }

    private static void assertRejected(String message, Executable verify) {
        assertEquals(message, assertThrows(CertificateRejected.class, verify).getMessage());
    }

    @Test
    void acceptsALiveCertificateOfItsOwn() throws Exception {
        ca.verify(db1, T0);
        ca.verify(db1, T0.plus(Duration.ofDays(199)));
    }

    @Test
    void rejectsAnExpiredCertificate() {
        assertRejected("db1: certificate expired at 2026-11-17T10:00:00Z",
                () -> ca.verify(db1, T0.plus(Duration.ofDays(200)).plus(ClusterCa.CLOCK_SKEW).plusSeconds(1)));
    }

    @Test
    void rejectsACertificateNotYetValid() {
        assertRejected("db1: not yet valid until 2026-05-01T09:55:00Z",
                () -> ca.verify(db1, T0.minus(Duration.ofMinutes(10)).minusSeconds(1)));
    }

    @Test
    void rejectsACertificateOfAnotherCaWithTheSameName() throws Exception {
        CertificateAuthority impostor = CertificateAuthority.init(temp.resolve("other"), "prod", OVERLAY, 3650, at(T0));
        NodeCertificate forged = impostor.issue(CertificateAuthority.Request.node("db1", newKey(), signingKey()));

        assertRejected("db1: not signed by cluster prod's CA", () -> ca.verify(forged, T0));
    }

    @Test
    void rejectsATamperedCertificate() throws Exception {
        byte[] der = db1.encoded();
        // Turn the overlay address 10.40.255.1 into 10.40.255.2 in the signed part: still decodes, no longer verifies.
        byte[] address = InetAddress.getByName("10.40.255.1").getAddress();
        int at = indexOf(der, address);
        der[at + 3] = 2;
        NodeCertificate tampered = NodeCertificate.decode(der);
        assertEquals(InetAddress.getByName("10.40.255.2"), tampered.address());

        assertRejected("db1: not signed by cluster prod's CA", () -> ca.verify(tampered, T0));
    }

    @Test
    void rejectsAnAddressOutsideTheOverlay() throws Exception {
        NodeCertificate outside = HandSigned.node(temp.resolve("ca"), "db1", newKey(), InetAddress.getByName("10.41.0.1"),
                null, T0);

        assertRejected("db1: address 10.41.0.1 outside the overlay 10.40.0.0/16", () -> ca.verify(outside, T0));
    }

    @Test
    void rejectsANodeCertificateWithoutARecordSigningKey() throws Exception {
        NodeCertificate unsigned = HandSigned.node(temp.resolve("ca"), "db1", newKey(), InetAddress.getByName("10.40.9.1"),
                null, null, T0);

        assertRejected("db1: a node certificate without a record-signing key (issued before overlayd signed member"
                + " records): issue it again", () -> ca.verify(unsigned, T0));
    }

    @Test
    void rejectsASubnetOutsideTheOverlay() throws Exception {
        // Its holder could source packets from 10.0.0.0/8 on every node that admitted it.
        NodeCertificate outside = HandSigned.node(temp.resolve("ca"), "web9", newKey(), InetAddress.getByName("10.40.9.1"),
                IpPrefix.parse("10.0.0.0/8"), T0);

        assertRejected("web9: subnet 10.0.0.0/8 outside the overlay 10.40.0.0/16", () -> ca.verify(outside, T0));
    }

    @Test
    void rejectsARevokedCertificateOnceTheListArrives() throws Exception {
        byte[] crl = authority.revoke("db1");
        ca.verify(db1, T0);
        assertNull(ca.revocations());

        assertTrue(ca.acceptRevocations(crl));

        assertRejected("db1: certificate revoked", () -> ca.verify(db1, T0));
        assertTrue(ca.isRevoked(db1.serial()));
        assertArrayEquals(crl, ca.revocations());
    }

    @Test
    void keepsTheNewerListWhenAnOlderOneArrivesLate() throws Exception {
        NodeCertificate web1 = authority.issue(CertificateAuthority.Request.node("web1", newKey(), signingKey()));
        byte[] first = authority.revoke("db1");
        byte[] second = authority.revoke("web1");

        assertTrue(ca.acceptRevocations(second));
        assertFalse(ca.acceptRevocations(first));
        assertFalse(ca.acceptRevocations(second));

        assertArrayEquals(second, ca.revocations());
        assertTrue(ca.isRevoked(web1.serial()));
        assertTrue(ca.isRevoked(db1.serial()));
    }

    @Test
    void rejectsAListSignedByAnotherCa() throws Exception {
        CertificateAuthority impostor = CertificateAuthority.init(temp.resolve("other"), "prod", OVERLAY, 3650, at(T0));
        impostor.issue(CertificateAuthority.Request.node("web1", newKey(), signingKey()));
        byte[] foreign = impostor.revoke("web1");

        assertRejected("revocation list not signed by cluster prod's CA", () -> ca.acceptRevocations(foreign));
        assertNull(ca.revocations());
    }

    @Test
    void rejectsBytesThatAreNoList() {
        assertRejected("not a revocation list (X.509 CRL)",
                () -> ca.acceptRevocations("junk".getBytes(StandardCharsets.US_ASCII)));
    }

    @Test
    void aNodeCertificateIsNoCaCertificate() {
        IdentityException e = assertThrows(IdentityException.class, () -> ClusterCa.decode(db1.encoded()));
        assertEquals("not a cluster CA certificate: its key is not an Ed25519 key", e.getMessage());
    }

    @Test
    void aCaCertificateIsNoNodeCertificate() {
        IdentityException e = assertThrows(IdentityException.class, () -> NodeCertificate.decode(ca.encoded()));
        assertEquals("not a node certificate: its key is not an X25519 (WireGuard) key", e.getMessage());
    }

    private static int indexOf(byte[] haystack, byte[] needle) {
        for (int i = 0; i + needle.length <= haystack.length; i++) {
            if (Arrays.equals(haystack, i, i + needle.length, needle, 0, needle.length)) {
                return i;
            }
        }
        throw new AssertionError("not found");
    }
}
