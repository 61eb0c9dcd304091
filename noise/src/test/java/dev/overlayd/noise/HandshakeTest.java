package dev.overlayd.noise;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import dev.overlayd.noise.message.HandshakeInitiation;
import dev.overlayd.noise.message.HandshakeMessage;
import dev.overlayd.noise.message.HandshakeResponse;
import dev.overlayd.noise.message.MessageType;
import dev.overlayd.noise.message.TransportHeader;

/** Two parties running the handshake against each other, and everything an attacker could change. */
class HandshakeTest {
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final byte[] SOURCE = {(byte) 198, 18, 0, 1, 0x20, 0x4e};

    private final ManualClock clock = new ManualClock();
    private Side alice;
    private Side bob;

    /** One party: its identity, its view of the other, and its MAC machinery. */
    private final class Side {
        final StaticIdentity identity = StaticIdentity.generate(RANDOM);
        Handshake handshake;
        CookieGenerator cookies;
        final CookieChecker checker = new CookieChecker(identity.publicKey(), clock, RANDOM);

        void knows(Side other) {
            handshake = new Handshake(identity, other.identity.publicKey(), clock, RANDOM);
            cookies = new CookieGenerator(other.identity.publicKey(), clock);
        }

        Function<PublicKey, Handshake> peers() {
            return key -> key.equals(handshake.remoteStatic()) ? handshake : null;
        }

        HandshakeInitiation initiate(int index) {
            HandshakeInitiation m = handshake.createInitiation(index).value();
            cookies.addMacs(m);
            return m;
        }

        HandshakeResponse respond(int index) {
            HandshakeResponse m = handshake.createResponse(index).value();
            cookies.addMacs(m);
            return m;
        }

        /** The receive path up to the handshake: classify, decode, mac1, consume. */
        Result<Handshake> receiveInitiation(byte[] wire) {
            var decoded = HandshakeInitiation.decode(wire, 0, wire.length);
            if (!decoded.isAccepted()) {
                return Result.reject(decoded.rejection());
            }
            var checked = checker.check(decoded.value(), SOURCE, false);
            if (!checked.isAccepted()) {
                return Result.reject(checked.rejection());
            }
            return Handshake.consumeInitiation(identity, checked.value(), peers());
        }

        Result<Handshake> receiveResponse(byte[] wire) {
            var decoded = HandshakeResponse.decode(wire, 0, wire.length);
            if (!decoded.isAccepted()) {
                return Result.reject(decoded.rejection());
            }
            var checked = checker.check(decoded.value(), SOURCE, false);
            if (!checked.isAccepted()) {
                return Result.reject(checked.rejection());
            }
            return handshake.consumeResponse(checked.value());
        }
    }

    @BeforeEach
    void setUp() {
        alice = new Side();
        bob = new Side();
        alice.knows(bob);
        bob.knows(alice);
    }

    @Test
    void bothSidesAgreeOnTheTranscriptAtEveryStep() {
        HandshakeInitiation initiation = alice.initiate(7);
        assertSame(bob.handshake, bob.receiveInitiation(initiation.bytes()).value());
        assertTranscriptsEqual();
        assertEquals(Handshake.State.INITIATION_CREATED, alice.handshake.state());
        assertEquals(Handshake.State.INITIATION_CONSUMED, bob.handshake.state());

        HandshakeResponse response = bob.respond(9);
        assertEquals(7, response.receiver());
        assertEquals(9, response.sender());
        assertTrue(alice.receiveResponse(response.bytes()).isAccepted());
        assertTranscriptsEqual();
        assertEquals(Handshake.State.RESPONSE_CONSUMED, alice.handshake.state());
        assertEquals(Handshake.State.RESPONSE_CREATED, bob.handshake.state());
    }

    @Test
    void sessionKeysWorkCrosswiseInBothRoles() {
        for (int round = 0; round < 2; round++) {
            Side initiator = round == 0 ? alice : bob;
            Side responder = round == 0 ? bob : alice;
            Keypair[] keys = handshake(initiator, responder);
            assertTrue(keys[0].isInitiator());
            assertFalse(keys[1].isInitiator());
            assertEquals(keys[0].remoteIndex(), keys[1].localIndex());
            assertEquals(keys[1].remoteIndex(), keys[0].localIndex());
            assertDataFlows(keys[0], keys[1]);
            assertDataFlows(keys[1], keys[0]);
            assertEquals(Handshake.State.ZEROED, initiator.handshake.state());
            assertNull(initiator.handshake.transcript(), "the handshake's secrets are gone after the split");
            clock.advance(1_000_000_000L);
        }
    }

    @Test
    void crossingInitiationsAreBothAnsweredAndBothCompleted() {
        HandshakeInitiation fromAlice = alice.initiate(7);
        HandshakeInitiation fromBob = bob.initiate(8);
        assertTrue(alice.receiveInitiation(fromBob.bytes()).isAccepted());
        assertTrue(bob.receiveInitiation(fromAlice.bytes()).isAccepted());
        assertEquals(7, alice.handshake.waitingIndex(), "alice's own initiation is set aside, not dropped");
        HandshakeResponse toBob = alice.respond(17);
        HandshakeResponse toAlice = bob.respond(18);
        Keypair aliceResponding = alice.handshake.beginSession().value();
        Keypair bobResponding = bob.handshake.beginSession().value();
        assertEquals(Handshake.State.INITIATION_CREATED, alice.handshake.state(), "back to waiting for bob's answer");
        assertEquals(0, alice.handshake.waitingIndex());

        assertTrue(alice.receiveResponse(toAlice.bytes()).isAccepted());
        assertTrue(bob.receiveResponse(toBob.bytes()).isAccepted());
        Keypair aliceInitiating = alice.handshake.beginSession().value();
        Keypair bobInitiating = bob.handshake.beginSession().value();
        assertDataFlows(aliceInitiating, bobResponding);
        assertDataFlows(bobResponding, aliceInitiating);
        assertDataFlows(bobInitiating, aliceResponding);
        assertDataFlows(aliceResponding, bobInitiating);
    }

    @Test
    void anInitiationSetAsideIsWipedWithTheHandshake() {
        alice.initiate(7);
        assertTrue(alice.receiveInitiation(bob.initiate(8).bytes()).isAccepted());
        alice.handshake.clear();
        assertEquals(0, alice.handshake.waitingIndex());
        assertEquals(Handshake.State.ZEROED, alice.handshake.state());
    }

    @Test
    void matchingPresharedKeysAgreeAndMismatchedOnesFail() {
        PresharedKey psk = new PresharedKey(randomBytes(32));
        alice.handshake.setPresharedKey(psk);
        bob.handshake.setPresharedKey(psk);
        assertDataFlows(handshake(alice, bob)[0], lastResponderKeypair);

        clock.advance(1_000_000_000L);
        bob.handshake.setPresharedKey(new PresharedKey(randomBytes(32)));
        assertTrue(bob.receiveInitiation(alice.initiate(1).bytes()).isAccepted(), "the psk enters only at the response");
        assertEquals(Rejection.DECRYPTION_FAILED, alice.receiveResponse(bob.respond(2).bytes()).rejection());
    }

    @Test
    void anInitiationFromAStrangerIsRefused() {
        Side mallory = new Side();
        mallory.knows(bob);
        assertEquals(Rejection.UNKNOWN_PEER, bob.receiveInitiation(mallory.initiate(1).bytes()).rejection());
        assertEquals(Handshake.State.ZEROED, bob.handshake.state());
    }

    @Test
    void everyTamperedInitiationByteIsRefused() {
        byte[] good = alice.initiate(5).bytes().clone();
        // mac2, the last 16 bytes, counts only under load: CookieTest covers it.
        for (int i = 0; i < HandshakeInitiation.SIZE - 16; i++) {
            byte[] bad = good.clone();
            bad[i] ^= 0x01;
            assertEquals(expectedForFlippedByte(i, Rejection.UNKNOWN_TYPE), bob.receiveInitiation(bad).rejection(), "byte " + i);
        }
        assertTrue(bob.receiveInitiation(good).isAccepted(), "the untampered original still works");
    }

    /** An attacker who knows Bob's public key can recompute mac1; the handshake itself must still hold. */
    @Test
    void tamperedInitiationFieldsFailEvenWithAValidMac1() {
        byte[] good = alice.initiate(5).bytes().clone();
        for (int i = 8; i < 116; i++) {
            byte[] bad = good.clone();
            bad[i] ^= 0x01;
            Rejection r = bob.receiveInitiation(remac(bad, bob)).rejection();
            assertTrue(r == Rejection.DECRYPTION_FAILED || r == Rejection.BAD_PUBLIC_KEY, "byte " + i + ": " + r);
        }
    }

    @Test
    void everyTamperedResponseByteIsRefused() {
        bob.receiveInitiation(alice.initiate(5).bytes()).value();
        byte[] good = bob.respond(6).bytes().clone();
        for (int i = 0; i < HandshakeResponse.SIZE - 16; i++) {
            byte[] bad = good.clone();
            bad[i] ^= 0x01;
            assertEquals(expectedForFlippedByte(i, Rejection.WRONG_SIZE), alice.receiveResponse(bad).rejection(), "byte " + i);
        }
        for (int i = 8; i < 60; i++) {
            byte[] bad = good.clone();
            bad[i] ^= 0x01;
            Rejection r = alice.receiveResponse(remac(bad, alice)).rejection();
            Rejection expected = i < 12 ? Rejection.UNEXPECTED_MESSAGE : Rejection.DECRYPTION_FAILED;
            assertTrue(r == expected || r == Rejection.BAD_PUBLIC_KEY, "byte " + i + ": " + r);
        }
        assertTrue(alice.receiveResponse(good).isAccepted(), "forgeries did not disturb the pending initiation");
    }

    @Test
    void aReplayedInitiationIsRefused() {
        byte[] initiation = alice.initiate(1).bytes().clone();
        assertTrue(bob.receiveInitiation(initiation).isAccepted());
        clock.advance(1_000_000_000L);
        assertEquals(Rejection.REPLAYED_INITIATION, bob.receiveInitiation(initiation).rejection());
    }

    @Test
    void initiationsCloserThan20msAreAFlood() {
        assertTrue(bob.receiveInitiation(alice.initiate(1).bytes()).isAccepted());
        clock.advance(17_000_000L);
        HandshakeInitiation quick = alice.initiate(2);
        assertEquals(Rejection.INITIATION_FLOOD, bob.receiveInitiation(quick.bytes()).rejection());
        clock.advance(4_000_000L);
        assertTrue(bob.receiveInitiation(alice.initiate(3).bytes()).isAccepted());
    }

    @Test
    void aResponseOutOfTurnIsRefused() {
        bob.receiveInitiation(alice.initiate(1).bytes()).value();
        byte[] response = bob.respond(2).bytes().clone();
        assertTrue(alice.receiveResponse(response).isAccepted());
        assertEquals(Rejection.UNEXPECTED_MESSAGE, alice.receiveResponse(response).rejection(), "replayed response");
        assertEquals(Rejection.UNEXPECTED_MESSAGE, bob.handshake.createResponse(3).rejection(), "no initiation to answer");
        Handshake idle = new Handshake(alice.identity, bob.identity.publicKey(), clock, RANDOM);
        assertEquals(Rejection.UNEXPECTED_MESSAGE, idle.beginSession().rejection(), "no handshake to split");
    }

    @Test
    void lowOrderKeysAbortTheHandshake() {
        Handshake toZero = new Handshake(alice.identity, new PublicKey(new byte[32]), clock, RANDOM);
        assertEquals(Rejection.BAD_PUBLIC_KEY, toZero.createInitiation(1).rejection());

        byte[] initiation = alice.initiate(1).bytes().clone();
        java.util.Arrays.fill(initiation, 8, 40, (byte) 0);
        assertEquals(Rejection.BAD_PUBLIC_KEY, bob.receiveInitiation(remac(initiation, bob)).rejection());
    }

    @Test
    void aNewPrivateKeyAbandonsTheHandshakeUnderWay() {
        alice.initiate(1);
        alice.handshake.setLocalIdentity(StaticIdentity.generate(RANDOM));
        assertEquals(Handshake.State.ZEROED, alice.handshake.state());
    }

    @Test
    void keypairSlotsConfirmTheResponderOnlyOnFirstReceipt() {
        Keypairs initiatorSlots = new Keypairs();
        Keypairs responderSlots = new Keypairs();
        List<Keypair> retired = new ArrayList<>();
        Keypair[] first = handshake(alice, bob);
        initiatorSlots.install(first[0], retired::add);
        responderSlots.install(first[1], retired::add);
        assertSame(first[0], initiatorSlots.current());
        assertNull(responderSlots.current(), "the responder must not send before confirmation");
        assertSame(first[1], responderSlots.next());

        assertFalse(responderSlots.receivedWith(first[0], retired::add));
        assertTrue(responderSlots.receivedWith(first[1], retired::add));
        assertSame(first[1], responderSlots.current());
        assertFalse(responderSlots.receivedWith(first[1], retired::add), "promoted once");

        clock.advance(1_000_000_000L);
        Keypair[] second = handshake(alice, bob);
        initiatorSlots.install(second[0], retired::add);
        assertSame(second[0], initiatorSlots.current());
        assertSame(first[0], initiatorSlots.previous());
        clock.advance(1_000_000_000L);
        Keypair[] third = handshake(alice, bob);
        initiatorSlots.install(third[0], retired::add);
        assertEquals(List.of(first[0]), retired);

        initiatorSlots.clear(retired::add);
        assertEquals(List.of(first[0], second[0], third[0]), retired);
        assertNull(initiatorSlots.current());
    }

    private Keypair lastResponderKeypair;

    /** A full handshake; returns {initiator's keypair, responder's keypair}. */
    private Keypair[] handshake(Side initiator, Side responder) {
        HandshakeInitiation initiation = initiator.initiate(RANDOM.nextInt());
        assertTrue(responder.receiveInitiation(initiation.bytes()).isAccepted());
        HandshakeResponse response = responder.respond(RANDOM.nextInt());
        assertTrue(initiator.receiveResponse(response.bytes()).isAccepted());
        lastResponderKeypair = responder.handshake.beginSession().value();
        return new Keypair[] {initiator.handshake.beginSession().value(), lastResponderKeypair};
    }

    private void assertDataFlows(Keypair sender, Keypair receiver) {
        // One cipher per end, as on two machines: the JDK refuses to encrypt with the key and nonce of its previous init.
        TransportCipher senderCipher = TransportCipher.create();
        TransportCipher receiverCipher = TransportCipher.create();
        byte[] payload = randomBytes(100);
        byte[] buf = new byte[200];
        System.arraycopy(payload, 0, buf, TransportHeader.LENGTH, payload.length);
        int len = sender.seal(senderCipher, buf, 0, payload.length, Protocol.DEFAULT_MTU, clock.nanoTime());
        assertEquals(MessageType.TRANSPORT, MessageType.classify(buf, 0, len));
        assertEquals(receiver.localIndex(), TransportHeader.receiver(buf, 0));
        int n = receiver.open(receiverCipher, buf, 0, len, clock.nanoTime());
        assertEquals(112, n, "padded to a multiple of 16");
        assertArrayEquals(payload, java.util.Arrays.copyOfRange(buf, TransportHeader.LENGTH, TransportHeader.LENGTH + 100));
    }

    /** Flipping bit 0 of the type makes initiations type 0 (unknown) and responses type 3 (wrong size). */
    private static Rejection expectedForFlippedByte(int i, Rejection forTypeByte) {
        if (i == 0) {
            return forTypeByte;
        }
        return i < 4 ? Rejection.RESERVED_NONZERO : Rejection.INVALID_MAC1;
    }

    private void assertTranscriptsEqual() {
        byte[][] a = alice.handshake.transcript();
        byte[][] b = bob.handshake.transcript();
        assertArrayEquals(a[0], b[0], "chaining keys");
        assertArrayEquals(a[1], b[1], "hashes");
    }

    /** Recomputes mac1 over a modified message, as anyone who knows the receiver's public key can. */
    private static byte[] remac(byte[] wire, Side receiver) {
        HandshakeMessage m = wire.length == HandshakeInitiation.SIZE
                ? HandshakeInitiation.decode(wire, 0, wire.length).value()
                : HandshakeResponse.decode(wire, 0, wire.length).value();
        new CookieGenerator(receiver.identity.publicKey(), new ManualClock()).addMacs(m);
        return m.bytes();
    }

    private static byte[] randomBytes(int n) {
        byte[] b = new byte[n];
        RANDOM.nextBytes(b);
        return b;
    }
}
