package dev.overlayd.membership.enrolment;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import dev.overlayd.membership.identity.CertificateAuthority;
import dev.overlayd.membership.identity.ClusterCa;
import dev.overlayd.membership.identity.Issuer;
import dev.overlayd.membership.identity.MutableClock;
import dev.overlayd.membership.identity.NodeCertificate;
import dev.overlayd.noise.Clock;
import dev.overlayd.noise.PrivateKey;
import dev.overlayd.peers.IpPrefix;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Enrolment's exchange between a newcomer and an issuer, in memory: no sockets, the issuer's clock in the test's hands. */
class EnrolmentExchangeTest {
    private static final IpPrefix RANGE = IpPrefix.parse("100.64.128.0/20");
    private static final InetSocketAddress FROM = new InetSocketAddress("198.18.1.9", 40000);
    private static final InetSocketAddress ELSEWHERE = new InetSocketAddress("198.18.1.3", 51820);

    @TempDir
    Path dir;

    private final MutableClock wall = new MutableClock(Instant.now());
    private final Clock clock = new Clock() {
        @Override
        public long nanoTime() {
            return wall.instant().getEpochSecond() * 1_000_000_000L + wall.instant().getNano();
        }

        @Override
        public long epochNanos() {
            return nanoTime();
        }
    };
    private final List<String> refusals = new ArrayList<>();
    private final List<NodeCertificate> issued = new ArrayList<>();
    private CertificateAuthority authority;
    private ClusterCa ca;
    private TokenStore tokens;
    private EnrolmentResponder responder;
    private final PrivateKey issuerKey = PrivateKey.generate(new SecureRandom());

    @BeforeEach
    void issuer() throws Exception {
        authority = CertificateAuthority.init(dir.resolve("ca"), "test", IpPrefix.parse("100.64.0.0/16"), 30);
        authority.createIssuer("asg", RANGE, 30);
        ca = ClusterCa.read(dir.resolve("ca/ca.crt"));
        Issuer issuer = Issuer.load(dir.resolve("ca/issuers/asg.crt"), dir.resolve("ca/issuers/asg.key"), ca,
                dir.resolve("issuing"), Duration.ofHours(1), wall);
        tokens = new TokenStore(dir.resolve("tokens.json"), wall);
        responder = new EnrolmentResponder("issuer-node", new EnrolmentRedirects(name -> name.equals("elsewhere")
                ? ELSEWHERE : null), issuer, tokens, ca, issuerKey, Set::of, Duration.ofHours(2), clock,
                new SecureRandom(), new EnrolmentResponder.Events() {
                    @Override
                    public void issued(NodeCertificate certificate, InetSocketAddress from, boolean renewal) {
                        issued.add(certificate);
                    }

                    @Override
                    public void refused(InetSocketAddress from, String why) {
                        refusals.add(why);
                    }
                });
    }

    private JoinToken token(int uses) throws Exception {
        return tokens.create("issuer-node", ca.fingerprint(), Duration.ofHours(1), uses, List.of("web"));
    }

    /**
     * Runs an exchange to its end: the asker's messages to the responder and back, as a lossless
     * network would. Every message fits a datagram that no path fragments (1200 bytes, as QUIC assumes).
     */
    private EnrolmentAsker.Next.Done run(EnrolmentAsker asker) throws EnrolmentFailed {
        byte[] sending = asker.first();
        for (int i = 0; i < 5; i++) {
            assertTrue(sending.length <= 1200, sending.length + " bytes");
            byte[] answer = responder.receive(sending, FROM);
            if (answer == null) {
                return null;
            }
            assertTrue(answer.length <= 1200, answer.length + " bytes");
            EnrolmentAsker.Next next = asker.receive(answer);
            if (next instanceof EnrolmentAsker.Next.Done done) {
                return done;
            }
            sending = assertInstanceOf(EnrolmentAsker.Next.Send.class, next).message();
        }
        throw new AssertionError("no end after five round trips");
    }

    @Test
    void aTokenBuysACertificateInTheIssuersRangeForTheNewcomersOwnKey() throws Exception {
        PrivateKey key = PrivateKey.generate(new SecureRandom());
        EnrolmentAsker.Next.Done done = run(EnrolmentAsker.withToken(token(1), key, "web-7", 1, clock));
        NodeCertificate cert = done.certificate();
        assertEquals("web-7", cert.name());
        assertEquals(key.publicKey(), cert.publicKey());
        assertEquals(List.of("web"), cert.groups());
        assertTrue(RANGE.covers(cert.subnet()), cert.subnet() + " in " + RANGE);
        assertTrue(cert.issuerCertificate().isPresent());
        assertEquals(ca, done.ca());
        ca.verify(cert, Instant.now());
        assertTrue(Duration.between(Instant.now(), cert.notAfter()).compareTo(Duration.ofHours(2).plusMinutes(1)) < 0);
        assertEquals(List.of(cert), issued);
    }

    @Test
    void aSingleUseTokenIsRefusedTheSecondTimeWithoutSayingWhy() throws Exception {
        JoinToken token = token(1);
        run(EnrolmentAsker.withToken(token, PrivateKey.generate(new SecureRandom()), "a", 1, clock));
        EnrolmentFailed e = assertThrows(EnrolmentFailed.class,
                () -> run(EnrolmentAsker.withToken(token, PrivateKey.generate(new SecureRandom()), "b", 2, clock)));
        assertTrue(e.getMessage().contains("refused the token"), e.getMessage());
        assertEquals(1, refusals.size());
        assertTrue(refusals.getFirst().startsWith(EnrolmentResponder.TOKEN_REFUSED), refusals.getFirst());
    }

    @Test
    void aWrongSecretAnExpiredAndARevokedTokenAreRefusedAlike() throws Exception {
        JoinToken good = token(0);
        byte[] otherSecret = new byte[32];
        JoinToken forged = new JoinToken(good.issuer(), good.id(), otherSecret, good.caFingerprint());
        JoinToken revoked = token(0);
        tokens.revoke(revoked.id());
        JoinToken expiring = tokens.create("issuer-node", ca.fingerprint(), Duration.ofMinutes(1), 0, List.of());
        wall.advance(Duration.ofMinutes(2));
        List<String> messages = new ArrayList<>();
        int id = 10;
        for (JoinToken t : List.of(forged, revoked, expiring)) {
            int exchange = id++;
            messages.add(assertThrows(EnrolmentFailed.class, () -> run(EnrolmentAsker.withToken(t,
                    PrivateKey.generate(new SecureRandom()), "n" + exchange, exchange, clock))).getMessage()
                    .replace(t.id(), "ID"));
        }
        assertEquals(1, Set.copyOf(messages).size(), messages.toString());
        assertTrue(issued.isEmpty());
    }

    @Test
    void aTokenOfAnotherClusterIsRefusedByTheNewcomer() throws Exception {
        JoinToken good = token(0);
        byte[] otherFingerprint = new byte[32];
        JoinToken foreign = new JoinToken(good.issuer(), good.id(), good.secret(), otherFingerprint);
        EnrolmentFailed e = assertThrows(EnrolmentFailed.class,
                () -> run(EnrolmentAsker.withToken(foreign, PrivateKey.generate(new SecureRandom()), "x", 3, clock)));
        assertTrue(e.getMessage().contains("not of the cluster the token names"), e.getMessage());
        // The newcomer stops before its third message: the token is not used up.
        assertEquals(0, tokens.list().getFirst().used());
    }

    @Test
    void lostAnswersAreSentAgainAndTheTokenIsUsedOnce() throws Exception {
        EnrolmentAsker asker = EnrolmentAsker.withToken(token(2), PrivateKey.generate(new SecureRandom()), "r", 4, clock);
        byte[] first = ((EnrolmentAsker.Next.Send) asker.receive(responder.receive(asker.first(), FROM))).message();
        byte[] second = responder.receive(first, FROM);
        assertArrayEquals(second, responder.receive(first, FROM));
        byte[] third = ((EnrolmentAsker.Next.Send) asker.receive(second)).message();
        byte[] fourth = responder.receive(third, FROM);
        assertArrayEquals(fourth, responder.receive(third, FROM));
        assertInstanceOf(EnrolmentAsker.Next.Done.class, asker.receive(fourth));
        assertEquals(1, tokens.list().getFirst().used());
    }

    @Test
    void aRenewalKeepsAddressAndSubnetWithANewSerial() throws Exception {
        PrivateKey key = PrivateKey.generate(new SecureRandom());
        NodeCertificate first = run(EnrolmentAsker.withToken(token(1), key, "w", 5, clock)).certificate();
        wall.advance(Duration.ofMinutes(30));
        NodeCertificate renewed = run(EnrolmentAsker.renewal(first, ca, key, "issuer-node", 6, clock)).certificate();
        assertEquals(first.address(), renewed.address());
        assertEquals(first.subnet(), renewed.subnet());
        assertNotEquals(first.serial(), renewed.serial());
        assertTrue(renewed.notAfter().isAfter(first.notAfter()));
    }

    @Test
    void aRenewalOfAnotherNodesCertificateGetsAnErrorNotACertificate() throws Exception {
        NodeCertificate theirs = run(EnrolmentAsker.withToken(token(1), PrivateKey.generate(new SecureRandom()), "v", 7,
                clock)).certificate();
        EnrolmentFailed e = assertThrows(EnrolmentFailed.class,
                () -> run(EnrolmentAsker.renewal(theirs, ca, PrivateKey.generate(new SecureRandom()), "issuer-node", 8,
                        clock)));
        assertTrue(e.getMessage().contains("not the asker's"), e.getMessage());
    }

    @Test
    void strangersMessagesAreDroppedAndCounted() {
        assertNull(responder.receive(new byte[] {0x70, 3, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 9, 9}, FROM));
        assertNull(responder.receive(new byte[] {0x70, 1}, FROM));
        assertEquals(1L, responder.counts().get("unknown exchange"));
        assertEquals(1L, responder.counts().get("malformed"));
    }

    @Test
    void aFirstMessageWithoutCookieGetsOnlyACookieNoBiggerThanItself() throws Exception {
        EnrolmentAsker asker = EnrolmentAsker.withToken(token(1), PrivateKey.generate(new SecureRandom()), "c", 9, clock);
        byte[] reply = responder.receive(asker.first(), FROM);
        assertEquals(EnrolmentMessage.COOKIE, reply[1]);
        assertTrue(reply.length <= asker.first().length, reply.length + " > " + asker.first().length);
        assertEquals(0, tokens.list().getFirst().used());
    }

    @Test
    void aFirstMessageForAnotherMemberIsPointedThereAndOneForAStrangerDropped() throws Exception {
        JoinToken good = token(1);
        JoinToken other = new JoinToken("elsewhere", good.id(), good.secret(), good.caFingerprint());
        EnrolmentAsker asker = EnrolmentAsker.withToken(other, PrivateKey.generate(new SecureRandom()), "p", 11, clock);
        byte[] pointer = responder.receive(asker.first(), FROM);
        assertTrue(pointer.length < asker.first().length, pointer.length + " >= " + asker.first().length);
        assertEquals(new EnrolmentAsker.Next.Redirect(ELSEWHERE), asker.receive(pointer));

        JoinToken stranger = new JoinToken("nobody", good.id(), good.secret(), good.caFingerprint());
        assertNull(responder.receive(EnrolmentAsker.withToken(stranger, PrivateKey.generate(new SecureRandom()), "q", 12,
                clock).first(), FROM));
        assertEquals(1L, responder.counts().get("redirected"));
        assertEquals(1L, responder.counts().get("unknown issuer"));
        assertEquals(0, tokens.list().getFirst().used());
    }
}
