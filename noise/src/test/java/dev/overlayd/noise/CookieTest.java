package dev.overlayd.noise;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetSocketAddress;
import java.security.SecureRandom;
import org.junit.jupiter.api.Test;
import dev.overlayd.noise.message.CookieReply;
import dev.overlayd.noise.message.HandshakeInitiation;

/** mac2 and cookie replies: the round trip, and each way a cookie stops being good. */
class CookieTest {
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final byte[] SOURCE = CookieChecker.source(new InetSocketAddress("198.18.0.1", 51820));

    private final ManualClock clock = new ManualClock();
    private final StaticIdentity initiator = StaticIdentity.generate(RANDOM);
    private final StaticIdentity responder = StaticIdentity.generate(RANDOM);
    private final Handshake handshake = new Handshake(initiator, responder.publicKey(), clock, RANDOM);
    private final CookieGenerator generator = new CookieGenerator(responder.publicKey(), clock);
    private final CookieChecker checker = new CookieChecker(responder.publicKey(), clock, RANDOM);

    private HandshakeInitiation initiation() {
        HandshakeInitiation m = handshake.createInitiation(RANDOM.nextInt()).value();
        generator.addMacs(m);
        return m;
    }

    /** Under load, no mac2: the responder answers with a cookie, and the next initiation gets through. */
    private void obtainCookie() {
        HandshakeInitiation first = initiation();
        assertEquals(Rejection.COOKIE_REQUIRED, checker.check(first, SOURCE, true).rejection());
        CookieReply reply = checker.createReply(first, SOURCE);
        assertEquals(first.sender(), reply.receiver());
        CookieReply decoded = CookieReply.decode(reply.bytes(), 0, CookieReply.SIZE).value();
        assertTrue(generator.consumeReply(decoded).isAccepted());
    }

    @Test
    void aCookieLetsTheNextInitiationThroughUnderLoad() {
        assertTrue(checker.check(initiation(), SOURCE, false).isAccepted(), "not under load: mac1 is enough");
        obtainCookie();
        assertTrue(generator.hasFreshCookie());
        assertTrue(checker.check(initiation(), SOURCE, true).isAccepted());
    }

    @Test
    void theCookieIsBoundToTheSenderAddress() {
        obtainCookie();
        byte[] otherPort = CookieChecker.source(new InetSocketAddress("198.18.0.1", 51821));
        assertEquals(Rejection.COOKIE_REQUIRED, checker.check(initiation(), otherPort, true).rejection());
    }

    @Test
    void eachMac1AnswersOneCookieReply() {
        HandshakeInitiation m = initiation();
        CookieReply reply = checker.createReply(m, SOURCE);
        assertTrue(generator.consumeReply(reply).isAccepted());
        assertEquals(Rejection.UNSOLICITED_COOKIE, generator.consumeReply(reply).rejection());
    }

    @Test
    void aReplyToAnOlderMessageDoesNotDecrypt() {
        HandshakeInitiation old = initiation();
        clock.advance(1_000_000_000L);
        initiation();
        assertEquals(Rejection.DECRYPTION_FAILED, generator.consumeReply(checker.createReply(old, SOURCE)).rejection());
    }

    @Test
    void everyTamperedCookieReplyByteIsRefused() {
        HandshakeInitiation m = initiation();
        byte[] good = checker.createReply(m, SOURCE).bytes();
        for (int i = 0; i < CookieReply.SIZE; i++) {
            byte[] bad = good.clone();
            bad[i] ^= 0x01;
            var decoded = CookieReply.decode(bad, 0, bad.length);
            if (decoded.isAccepted()) {
                // The receiver field only routes the reply; the device looks it up. All else must fail here.
                var consumed = generator.consumeReply(decoded.value());
                assertEquals(i >= 4 && i < 8, consumed.isAccepted(), "byte " + i);
                if (consumed.isAccepted()) {
                    generator.addMacs(m);
                }
            }
        }
    }

    @Test
    void aCookieIsUsedForTwoMinutesOnly() {
        obtainCookie();
        clock.advance(Protocol.COOKIE_REFRESH_TIME - 1);
        assertTrue(generator.hasFreshCookie());
        clock.advance(1);
        assertFalse(generator.hasFreshCookie());
        HandshakeInitiation m = initiation();
        for (int i = m.mac2Offset(); i < m.bytes().length; i++) {
            assertEquals(0, m.bytes()[i], "a stale cookie gives a zero mac2");
        }
    }

    @Test
    void theResponderSecretRotatesAfterTwoMinutes() {
        obtainCookie();
        clock.advance(Protocol.COOKIE_REFRESH_TIME - 1_000_000_000L);
        HandshakeInitiation m = initiation();
        assertTrue(checker.mac2Valid(m, SOURCE));
        clock.advance(1_000_000_000L);
        assertFalse(checker.mac2Valid(m, SOURCE), "made with the previous secret");
    }

    @Test
    void underLoadLastsOneSecondAfterTheQueueWasFull() {
        UnderLoad load = new UnderLoad(clock);
        assertFalse(load.update(0));
        assertFalse(load.update(Protocol.UNDER_LOAD_QUEUE_SIZE - 1));
        assertTrue(load.update(Protocol.UNDER_LOAD_QUEUE_SIZE));
        clock.advance(Protocol.UNDER_LOAD_AFTER_TIME - 1);
        assertTrue(load.update(0));
        clock.advance(1);
        assertFalse(load.update(0));
    }
}
