package dev.overlayd.noise;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.lang.reflect.Field;
import java.util.Arrays;
import java.util.Random;
import java.util.concurrent.atomic.AtomicLong;
import dev.overlayd.noise.message.MessageType;
import dev.overlayd.noise.message.TransportHeader;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

/** On libcrypto; {@link JdkKeypairTest} runs the same on the JDK's cipher. */
class KeypairTest {
    private static final int MTU = Protocol.DEFAULT_MTU;
    private static final int INITIATOR_INDEX = 0x0A0B0C0D;
    private static final int RESPONDER_INDEX = 0xCAFEF00D;

    /**
     * One cipher per end, as two devices have. A cipher shared by both ends breaks keysMatchCrosswise:
     * the JDK cipher refuses to encrypt under the key and nonce of its previous initialization, even
     * a decryption, so the initiator's failed open of its own message (the responder's send key, at
     * that counter) makes the responder's next seal throw.
     */
    private final TransportCipher initiatorCipher = TransportCipher.create(implementation());
    private final TransportCipher responderCipher = TransportCipher.create(implementation());
    private final Random random = new Random(0xC0FFEE);
    private ManualClock clock;
    private Keypair initiator;
    private Keypair responder;
    private long now;

    @BeforeEach
    void handshake() {
        clock = new ManualClock();
        clock.advance(1_000_000_000_000L);
        TestPeers.Session session = TestPeers.session(clock, INITIATOR_INDEX, RESPONDER_INDEX);
        initiator = session.initiator();
        responder = session.responder();
        now = clock.nanoTime();
    }

    /** The transport cipher these tests run on. */
    String implementation() {
        return TransportCipher.OPENSSL;
    }

    private TransportCipher cipher(Keypair keypair) {
        return keypair.isInitiator() ? initiatorCipher : responderCipher;
    }

    /** A sealed data message, trimmed to its length. */
    private byte[] seal(Keypair keypair, byte[] plaintext) {
        byte[] buf = new byte[TransportHeader.LENGTH + plaintext.length + 16 + TransportCipher.TAG_LENGTH];
        System.arraycopy(plaintext, 0, buf, TransportHeader.LENGTH, plaintext.length);
        int length = keypair.seal(cipher(keypair), buf, 0, plaintext.length, MTU, now);
        assertTrue(length > 0, () -> "seal: " + Rejection.ofCode(length));
        return Arrays.copyOf(buf, length);
    }

    /** Opens a copy of the message: open decrypts in place. Returns the plaintext length or the rejection code. */
    private int open(Keypair keypair, byte[] message, long when) {
        return keypair.open(cipher(keypair), message.clone(), 0, message.length, when);
    }

    private byte[] plaintext(int length) {
        byte[] p = new byte[length];
        random.nextBytes(p);
        return p;
    }

    private static Rejection rejection(int code) {
        assertTrue(code < 0, "expected a rejection, got length " + code);
        return Rejection.ofCode(code);
    }

    // ---- round trips

    @ParameterizedTest
    @ValueSource(ints = {0, 1, 15, 16, 17, 100, 1404, 1405, 1408, 1409, 1419, 1420, 1421, 1436, 1437, 2840, 4000})
    void roundTripsAndPadsInPlaceAtAnOffset(int length) {
        int off = 5;
        int padded = Keypair.paddedLength(length, MTU);
        byte[] plaintext = plaintext(length);
        byte[] buf = new byte[off + Keypair.OVERHEAD + padded + 7];
        Arrays.fill(buf, (byte) 0x5A); // stale bytes where the padding goes must be zeroed
        System.arraycopy(plaintext, 0, buf, off + TransportHeader.LENGTH, length);

        int sealed = initiator.seal(cipher(initiator), buf, off, length, MTU, now);
        assertEquals(Keypair.OVERHEAD + padded, sealed);
        assertEquals(MessageType.TRANSPORT, buf[off]);
        assertArrayEquals(new byte[] {0x5A, 0x5A}, Arrays.copyOfRange(buf, off + sealed, off + sealed + 2),
                "seal wrote past its message");

        int opened = responder.open(cipher(responder), buf, off, sealed, now);
        assertEquals(padded, opened);
        byte[] expected = Arrays.copyOf(plaintext, padded);
        assertArrayEquals(expected, Arrays.copyOfRange(buf, off + 16, off + 16 + padded));
    }

    @Test
    void aKeepaliveIsExactly32BytesAndOpensAsEmpty() {
        byte[] message = seal(initiator, new byte[0]);
        assertEquals(32, message.length);
        assertEquals(0, open(responder, message, now));
    }

    @Test
    void keysMatchCrosswise() {
        byte[] fromInitiator = seal(initiator, plaintext(40));
        byte[] fromResponder = seal(responder, plaintext(40));
        assertEquals(48, open(responder, fromInitiator, now));
        assertEquals(48, open(initiator, fromResponder, now));
        // Each side's send key differs from its receive key: its own messages do not open.
        assertEquals(Rejection.AUTHENTICATION_FAILED, rejection(open(initiator, seal(initiator, plaintext(3)), now)));
        assertEquals(Rejection.AUTHENTICATION_FAILED, rejection(open(responder, seal(responder, plaintext(3)), now)));
    }

    @Test
    void headerCarriesThePeersIndexAndAnIncreasingCounter() {
        assertEquals(RESPONDER_INDEX, initiator.remoteIndex());
        assertEquals(INITIATOR_INDEX, responder.remoteIndex());
        assertEquals(INITIATOR_INDEX, initiator.localIndex());
        assertEquals(RESPONDER_INDEX, responder.localIndex());
        assertEquals(0, initiator.sendCounter());
        for (long counter = 0; counter < 5; counter++) {
            byte[] message = seal(initiator, plaintext((int) counter));
            assertEquals(MessageType.TRANSPORT, message[0]);
            assertArrayEquals(new byte[3], Arrays.copyOfRange(message, 1, 4), "reserved bytes");
            assertEquals(RESPONDER_INDEX, TransportHeader.receiver(message, 0));
            assertEquals(counter, TransportHeader.counter(message, 0));
            assertEquals(counter + 1, initiator.sendCounter());
        }
        byte[] reply = seal(responder, plaintext(1));
        assertEquals(INITIATOR_INDEX, TransportHeader.receiver(reply, 0));
        assertEquals(0, TransportHeader.counter(reply, 0), "each direction counts on its own");
    }

    // ---- padding

    @ParameterizedTest(name = "len {0}, mtu {1} -> {2}")
    @CsvSource({
            "0, 1420, 0", "1, 1420, 16", "15, 1420, 16", "16, 1420, 16", "17, 1420, 32",
            "1405, 1420, 1408", "1408, 1420, 1408", "1409, 1420, 1420", "1419, 1420, 1420", "1420, 1420, 1420",
            // longer than the MTU: the rule applies to the remainder
            "1421, 1420, 1436", "2839, 1420, 2840", "2840, 1420, 2840", "2841, 1420, 2856",
            "999, 1000, 1000", "1000, 1000, 1000", "1001, 1000, 1016",
            // large MTUs: EC2's 9001, wireguard-go's netns.sh 34736, overlayd's largest 65472
            "8992, 9001, 8992", "8993, 9001, 9001", "9001, 9001, 9001", "34721, 34736, 34736", "34736, 34736, 34736",
            "65457, 65472, 65472", "65472, 65472, 65472", "65473, 65472, 65488",
            // mtu 0: no cap
            "0, 0, 0", "1, 0, 16", "1419, 0, 1424", "1420, 0, 1424", "65519, 0, 65520"})
    void padsToAMultipleOf16ButNotPastTheMtu(int length, int mtu, int expected) {
        assertEquals(expected, Keypair.paddedLength(length, mtu));
    }

    @ParameterizedTest
    @ValueSource(ints = {0, 576, 1000, 1280, 1420, 1500, 9000, 9001, 34736, 65472})
    void paddingWithinTheMtuIsTheLesserOfTheRoundedLengthAndTheMtu(int mtu) {
        int max = mtu == 0 ? 9000 : mtu;
        for (int length = 0; length <= max; length++) {
            int rounded = (length + 15) / 16 * 16;
            int expected = mtu == 0 ? rounded : Math.min(rounded, mtu);
            assertEquals(expected, Keypair.paddedLength(length, mtu), "length " + length);
        }
    }

    // ---- tampering and replay

    /**
     * Every byte from the receiver index on, flipped in a fresh message. Open checks neither the type
     * nor the receiver index (the device looked the keypair up by that index before calling it), so
     * flips in bytes 4..7 still open; flips anywhere else fail authentication, and a forgery does not
     * use up its counter: the genuine message opens afterwards.
     */
    @Test
    void flippingAnyAuthenticatedByteFailsAuthentication() {
        int length = Keypair.OVERHEAD + Keypair.paddedLength(37, MTU);
        for (int position = 4; position < length; position++) {
            byte[] message = seal(initiator, plaintext(37));
            assertEquals(length, message.length);
            byte[] forged = message.clone();
            forged[position] ^= (byte) (1 << (position % 8));
            int result = open(responder, forged, now);
            if (position < 8) {
                assertEquals(48, result, "receiver index byte " + position + " is not authenticated by open");
            } else {
                assertTrue(result < 0, "forgery at byte " + position + " opened");
                assertEquals(Rejection.AUTHENTICATION_FAILED, Rejection.ofCode(result), "byte " + position);
                assertEquals(48, open(responder, message, now), "genuine message after forgery at " + position);
            }
        }
    }

    @Test
    void truncatedMessagesAreRejected() {
        byte[] message = seal(initiator, plaintext(20));
        assertEquals(Rejection.TOO_SHORT, rejection(responder.open(cipher(responder), message.clone(), 0, 31, now)));
        assertEquals(Rejection.AUTHENTICATION_FAILED,
                rejection(responder.open(cipher(responder), message.clone(), 0, message.length - 1, now)));
        assertEquals(Rejection.AUTHENTICATION_FAILED, rejection(responder.open(cipher(responder), message.clone(), 0, 32, now)));
    }

    @Test
    void aReplayedMessageIsRejected() {
        byte[] first = seal(initiator, plaintext(10));
        byte[] second = seal(initiator, plaintext(10));
        assertEquals(16, open(responder, second, now));
        assertEquals(16, open(responder, first, now), "late but inside the window");
        assertEquals(Rejection.REPLAYED_COUNTER, rejection(open(responder, first, now)));
        assertEquals(Rejection.REPLAYED_COUNTER, rejection(open(responder, second, now)));
    }

    @Test
    void aCounterAtTheLimitIsRejectedBeforeDecrypting() {
        byte[] message = seal(initiator, plaintext(10));
        for (long counter : new long[] {Protocol.REJECT_AFTER_MESSAGES, -1L}) {
            byte[] forged = message.clone();
            TransportHeader.write(forged, 0, RESPONDER_INDEX, counter);
            assertEquals(Rejection.COUNTER_EXHAUSTED, rejection(open(responder, forged, now)));
        }
    }

    // ---- age

    @Test
    void expiresRejectAfterTimeAfterTheHandshake() {
        long created = clock.nanoTime();
        assertEquals(created, initiator.created());
        long lastGood = created + Protocol.REJECT_AFTER_TIME - 1;
        long expired = created + Protocol.REJECT_AFTER_TIME;
        byte[] early = seal(initiator, plaintext(1));

        now = lastGood;
        byte[] late = seal(initiator, plaintext(1));
        assertEquals(16, open(responder, late, lastGood));

        assertEquals(Rejection.KEYPAIR_EXPIRED, rejection(open(responder, early, expired)));
        assertEquals(Rejection.KEYPAIR_EXPIRED, rejection(open(responder, early, expired + 3_600_000_000_000L)));
        byte[] buf = new byte[64];
        long counterBefore = initiator.sendCounter();
        assertEquals(Rejection.KEYPAIR_EXPIRED, rejection(initiator.seal(cipher(initiator), buf, 0, 1, MTU, expired)));
        assertEquals(counterBefore, initiator.sendCounter(), "an expired seal must not use a counter");
    }

    // ---- counter exhaustion

    /** Keypair offers no way to start the send counter elsewhere: set its AtomicLong through reflection. */
    private static void setSendCounter(Keypair keypair, long value) {
        try {
            Field field = Keypair.class.getDeclaredField("sendCounter");
            field.setAccessible(true);
            ((AtomicLong) field.get(keypair)).set(value);
        } catch (ReflectiveOperationException e) {
            fail("Keypair.sendCounter is gone: " + e);
        }
    }

    @Test
    void sendsTheLastCounterBelowTheLimitThenRefusesForGood() {
        long limit = Protocol.REJECT_AFTER_MESSAGES;
        setSendCounter(initiator, limit - 1);
        byte[] last = seal(initiator, plaintext(8));
        assertEquals(limit - 1, TransportHeader.counter(last, 0));
        assertEquals(16, open(responder, last, now));

        byte[] buf = new byte[64];
        for (int i = 0; i < 3; i++) {
            assertEquals(Rejection.COUNTER_EXHAUSTED, rejection(initiator.seal(cipher(initiator), buf, 0, 8, MTU, now)));
            assertEquals(limit, initiator.sendCounter(), "the counter must stay at the limit, not wrap");
        }
    }

    /**
     * A message from long ago, opened after the peer's counter jumped to the top of the counter
     * space, is 2^64 - 2^13 - 2 behind: far outside the window.
     */
    @Test
    void aMessageFarBehindTheHighestCounterIsRejectedAsReplayed() {
        byte[] ancient = seal(initiator, plaintext(8));
        setSendCounter(initiator, Protocol.REJECT_AFTER_MESSAGES - 1);
        assertEquals(16, open(responder, seal(initiator, plaintext(8)), now));
        int result = open(responder, ancient, now);
        assertTrue(result < 0, "counter 0 accepted after counter 2^64 - 2^13 - 2");
        assertEquals(Rejection.REPLAYED_COUNTER, Rejection.ofCode(result));
    }

    // ---- wiping

    /** A keypair retired under a worker answers with a rejection, never a message sealed under a zero key. */
    @Test
    void aWipedKeypairNeitherSealsNorOpens() {
        byte[] pending = seal(initiator, plaintext(8));
        initiator.wipe();
        responder.wipe();
        assertTrue(initiator.isWiped());
        assertTrue(responder.isWiped());

        byte[] buf = new byte[64];
        assertEquals(Rejection.KEYPAIR_EXPIRED,
                Rejection.ofCode(initiator.seal(cipher(initiator), buf, 0, 8, MTU, now)));
        assertEquals(Rejection.KEYPAIR_EXPIRED,
                Rejection.ofCode(responder.open(cipher(responder), pending.clone(), 0, pending.length, now)));
    }

    /**
     * A worker keeps its cipher for every keypair it serves, so meeting a wiped keypair (one retired
     * while the worker held it) must not break the cipher for the next ones, whether or not the
     * cipher had been used before.
     */
    @ParameterizedTest(name = "cipher used before: {0}")
    @ValueSource(booleans = {true, false})
    void aCipherSurvivesMeetingAWipedKeypair(boolean usedBefore) {
        TransportCipher workerCipher = TransportCipher.create(implementation());
        TestPeers.Session live = TestPeers.session(clock);
        if (usedBefore) {
            assertEquals(16, live.responder().open(workerCipher, seal(live.initiator(), plaintext(8)), 0, 48, now));
        }
        byte[] pending = seal(initiator, plaintext(8));
        responder.wipe();
        assertEquals(Rejection.KEYPAIR_EXPIRED,
                Rejection.ofCode(responder.open(workerCipher, pending.clone(), 0, pending.length, now)));

        byte[] message = seal(live.initiator(), plaintext(8));
        assertEquals(16, live.responder().open(workerCipher, message, 0, message.length, now), "open after");
        byte[] reply = new byte[64];
        int length = live.responder().seal(workerCipher, reply, 0, 8, MTU, now);
        assertEquals(48, length, "seal after");
        assertEquals(16, live.initiator().open(cipher(live.initiator()), reply, 0, length, now));
    }

    @Test
    void wipeIsIdempotentAndLeavesOtherKeypairsUsable() {
        TestPeers.Session other = TestPeers.session(clock);
        initiator.wipe();
        initiator.wipe();
        assertTrue(initiator.isWiped());
        assertFalse(other.initiator().isWiped());
        assertEquals(16, open(other.responder(), seal(other.initiator(), plaintext(2)), now));
    }
}
