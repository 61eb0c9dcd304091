package dev.overlayd.membership.identity;

import static dev.overlayd.membership.identity.TestKeys.signingKey;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import dev.overlayd.noise.PublicKey;
import dev.overlayd.peers.IpPrefix;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The issuer's ledger: what it hands out, what it keeps reserved, and for how long. */
class IssuerLedgerTest {
    static final Instant T0 = Instant.parse("2026-05-01T10:00:00Z");
    static final IpPrefix RANGE = IpPrefix.parse("10.40.128.0/22");
    static final Duration GRACE = Duration.ofHours(24);
    static final Duration LIFETIME = Duration.ofHours(1);

    @TempDir
    Path dir;

    MutableClock clock;
    CertificateAuthority authority;
    Issuer issuer;

    @BeforeEach
    void setUp() throws Exception {
        clock = new MutableClock(T0);
        authority = CertificateAuthority.init(dir.resolve("ca"), "prod", IpPrefix.parse("10.40.0.0/16"), 3650, clock);
        authority.createIssuer("asg", RANGE, 365);
        issuer = load();
    }

    private Issuer load() throws IdentityException {
        return Issuer.load(dir.resolve("ca/issuers/asg.crt"), dir.resolve("ca/issuers/asg.key"), authority.publicCa(),
                dir.resolve("state"), GRACE, clock);
    }

    private NodeCertificate issue(String name, PublicKey key, Set<IpPrefix> held) throws IdentityException {
        return issuer.issue(new Issuer.Request(name, key, signingKey(), List.of("web"), LIFETIME), held);
    }

    private NodeCertificate issue(String name) throws IdentityException {
        return issue(name, CertificateAuthorityTest.newKey(), Set.of());
    }

    @Test
    void blocksAreHandedOutInOrder() throws Exception {
        assertEquals(IpPrefix.parse("10.40.128.0/24"), issue("a").subnet());
        assertEquals(IpPrefix.parse("10.40.129.0/24"), issue("b").subnet());
    }

    @Test
    void renewKeepsNameKeyAddressSubnetAndGroupsWithANewSerial() throws Exception {
        NodeCertificate first = issue("web1");
        clock.advance(Duration.ofMinutes(30));
        NodeCertificate renewed = issuer.renew(first, Duration.ofHours(2));
        assertEquals(first.name(), renewed.name());
        assertEquals(first.publicKey(), renewed.publicKey());
        assertEquals(first.address(), renewed.address());
        assertEquals(first.subnet(), renewed.subnet());
        assertEquals(first.groups(), renewed.groups());
        assertEquals(first.signingKey(), renewed.signingKey());
        assertNotEquals(first.serial(), renewed.serial());
        assertEquals(clock.instant().plus(Duration.ofHours(2)), renewed.notAfter());
        authority.publicCa().verify(renewed, clock.instant());
        String ledger = Files.readString(dir.resolve("state/issued.json"));
        assertTrue(ledger.contains(renewed.serial().toString(16)));
        assertTrue(!ledger.contains(first.serial().toString(16)), "the renewed entry replaces the old one");
        // The old serial is no longer in the ledger: it cannot be renewed twice.
        assertTrue(assertThrows(IdentityException.class, () -> issuer.renew(first, LIFETIME)).getMessage()
                .contains("not in issuer asg's ledger"));
    }

    @Test
    void renewRefusesExpiredRevokedAndForeignCertificates() throws Exception {
        NodeCertificate web1 = issue("web1");
        NodeCertificate web2 = issue("web2");
        authority.revoke(web2.serial().toString(16));
        assertTrue(assertThrows(IdentityException.class, () -> issuer.renew(web2, LIFETIME)).getMessage().endsWith("revoked"));
        NodeCertificate rootIssued = authority.issue(CertificateAuthority.Request.node("db", CertificateAuthorityTest.newKey(), signingKey()));
        assertTrue(assertThrows(IdentityException.class, () -> issuer.renew(rootIssued, LIFETIME)).getMessage()
                .endsWith("not a certificate of issuer asg"));
        assertThrows(IdentityException.class, () -> issuer.renew(web1, Duration.ofSeconds(59)));
        clock.advance(LIFETIME.plusSeconds(1));
        assertTrue(assertThrows(IdentityException.class, () -> issuer.renew(web1, LIFETIME)).getMessage().contains("expired"));
    }

    @Test
    void theSameKeyReEnrollingGetsItsSubnetBack() throws Exception {
        PublicKey key = CertificateAuthorityTest.newKey();
        NodeCertificate first = issue("web1", key, Set.of());
        issue("web2");
        clock.advance(LIFETIME.plus(Duration.ofHours(3)));
        NodeCertificate again = issue("web1", key, Set.of());
        assertEquals(first.subnet(), again.subnet());
        assertEquals(first.address(), again.address());
        assertNotEquals(first.serial(), again.serial());
    }

    @Test
    void anotherKeyIsRefusedALiveName() throws Exception {
        NodeCertificate web1 = issue("web1");
        IdentityException e = assertThrows(IdentityException.class, () -> issue("web1"));
        assertEquals("web1 already has a live certificate of another key (serial " + web1.serial().toString(16)
                + ", valid until " + web1.notAfter() + "): revoke it or choose another name", e.getMessage());
        // Once it expired, the name is free; the subnet stays reserved for the grace.
        clock.advance(LIFETIME.plusSeconds(1));
        assertEquals(IpPrefix.parse("10.40.129.0/24"), issue("web1").subnet());
    }

    @Test
    void aSubnetIsReusedOnlyAfterTheGrace() throws Exception {
        NodeCertificate web1 = issue("web1");
        clock.advance(LIFETIME.plus(GRACE).minusSeconds(1));
        assertNotEquals(web1.subnet(), issue("web2").subnet());
        clock.advance(Duration.ofSeconds(2));
        // web2 took the second block; web1's first one is free again, and its entry pruned.
        assertEquals(web1.subnet(), issue("web3").subnet());
        assertTrue(!Files.readString(dir.resolve("state/issued.json")).contains(web1.serial().toString(16)));
    }

    @Test
    void aRevokedCertificatesSubnetIsReleasedFromItsRevocation() throws Exception {
        NodeCertificate web1 = issue("web1");
        authority.revoke(web1.serial().toString(16));
        // Revoked at T0: reserved until T0 + grace, long before its expiry plus the grace would end.
        clock.advance(GRACE.plusSeconds(1));
        assertEquals(web1.subnet(), issue("web2").subnet());
    }

    @Test
    void whatMembersHoldIsNeverHandedOut() throws Exception {
        NodeCertificate web1 = issue("web1", CertificateAuthorityTest.newKey(),
                Set.of(IpPrefix.parse("10.40.128.0/24"), IpPrefix.parse("10.40.129.7/32")));
        assertEquals(IpPrefix.parse("10.40.130.0/24"), web1.subnet());
    }

    @Test
    void aFullRangeSaysSo() throws Exception {
        for (int i = 0; i < 4; i++) {
            issue("web" + i);
        }
        IdentityException e = assertThrows(IdentityException.class, () -> issue("web4"));
        assertEquals("issuer asg's range " + RANGE + " is full: every /24 in it is held by a live certificate,"
                + " by a member, or was released less than PT24H ago", e.getMessage());
    }

    @Test
    void theLedgerSurvivesARestart() throws Exception {
        NodeCertificate web1 = issue("web1");
        issuer = load();
        assertNotEquals(web1.subnet(), issue("web2").subnet());
        assertThrows(IdentityException.class, () -> issue("web1"));
    }

    @Test
    void aCorruptLedgerIsAnErrorNamingTheFile() throws Exception {
        issue("web1");
        Path ledger = dir.resolve("state/issued.json");
        Files.writeString(ledger, "{\"issued\": [{\"serial\": \"zz\"");
        IdentityException e = assertThrows(IdentityException.class, this::load);
        assertTrue(e.getMessage().startsWith(ledger + ": corrupt issuer ledger"), e.getMessage());
        Files.writeString(ledger, "{\"issued\": [{\"serial\": \"zz\", \"name\": \"a\"}]}");
        assertTrue(assertThrows(IdentityException.class, this::load).getMessage().startsWith(ledger + ": corrupt issuer ledger"));
    }

    @Test
    void theLedgerIsReadableByItsOwnerAlone() throws Exception {
        issue("web1");
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("state/issued.json"))));
        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(dir.resolve("state"))));
    }

    @Test
    void requestsAreChecked() {
        assertThrows(IdentityException.class, () -> issuer.issue(new Issuer.Request("web1", CertificateAuthorityTest.newKey(),
                signingKey(), List.of("bad group"), LIFETIME), Set.of()));
        assertThrows(IdentityException.class, () -> issuer.issue(new Issuer.Request("web 1", CertificateAuthorityTest.newKey(),
                signingKey(), List.of(), LIFETIME), Set.of()));
        assertEquals("a certificate is valid for at least 1 minute, not PT59S", assertThrows(IdentityException.class,
                () -> issuer.issue(new Issuer.Request("web1", CertificateAuthorityTest.newKey(), signingKey(), List.of(),
                        Duration.ofSeconds(59)), Set.of())).getMessage());
    }
}
