package dev.overlayd.noise;

import static org.junit.jupiter.api.Assertions.assertFalse;

import java.security.SecureRandom;
import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.overlayd.noise.message.CookieReply;
import dev.overlayd.noise.message.HandshakeInitiation;
import dev.overlayd.noise.message.HandshakeMessage;
import dev.overlayd.noise.message.HandshakeResponse;
import dev.overlayd.noise.message.Wire;

/**
 * Handshake messages from anyone, into the sans-I/O core on the fuzzer's thread: decode, the
 * cookie checker's mac1/mac2 check, consumeInitiation against a real identity, consumeResponse on a
 * pending handshake, and consumeReply on a cookie generator that has sent a message. Every step
 * answers with a {@link Result}, never an exception.
 *
 * <p>The fuzzer cannot forge what the keys protect, so the harness gives it genuine messages to
 * start from: it makes a real one and XORs the fuzzer's mask onto it. Then the invariant is exact:
 * a step that authenticates a span of the message accepts only when no mask byte touched that span.
 * Without a genuine message (raw bytes) no step that authenticates may accept at all; a genuine
 * message the mask left alone must be accepted, or the harness would prove nothing.
 */
class HandshakeMessagesFuzzTest {
    private static final SecureRandom RANDOM = new SecureRandom();
    private static final byte[] SOURCE = {(byte) 198, 18, 0, 9, (byte) 0x3c, (byte) 0xca};
    private static final ManualClock CLOCK = new ManualClock();
    private static final StaticIdentity INITIATOR = StaticIdentity.generate(RANDOM);
    private static final StaticIdentity RESPONDER = StaticIdentity.generate(RANDOM);
    /** The responder's state for the initiator, kept across runs as a device keeps it. */
    private static final Handshake AT_RESPONDER = new Handshake(RESPONDER, INITIATOR.publicKey(), CLOCK, RANDOM);
    private static final CookieChecker RESPONDER_CHECKS = new CookieChecker(RESPONDER.publicKey(), CLOCK, RANDOM);
    private static final CookieChecker INITIATOR_CHECKS = new CookieChecker(INITIATOR.publicKey(), CLOCK, RANDOM);
    private static final CookieGenerator MACS_TO_RESPONDER = new CookieGenerator(RESPONDER.publicKey(), CLOCK);
    private static final CookieGenerator MACS_TO_INITIATOR = new CookieGenerator(INITIATOR.publicKey(), CLOCK);

    /** A message and which of its bytes the fuzzer's mask changed. */
    private record Input(byte[] bytes, boolean[] changed, boolean genuine) {
        boolean untouched() {
            return untouched(0, bytes.length);
        }

        boolean untouched(int from, int to) {
            if (!genuine) {
                return false;
            }
            for (int i = from; i < to && i < changed.length; i++) {
                if (changed[i]) {
                    return false;
                }
            }
            return true;
        }
    }

    @FuzzTest
    void handshakeMessages(FuzzedDataProvider data) {
        // Past the flood limit and the timestamp's whitened bits, so genuine initiations stay acceptable.
        CLOCK.advance(50_000_000L);
        int kind = data.consumeInt(0, 2);
        boolean genuine = data.consumeBoolean();
        boolean underLoad = data.consumeBoolean();
        switch (kind) {
            case 0 -> initiation(data, genuine, underLoad);
            case 1 -> response(data, genuine, underLoad);
            default -> cookieReply(data, genuine);
        }
    }

    private static void initiation(FuzzedDataProvider data, boolean genuine, boolean underLoad) {
        byte[] real = genuine ? genuineInitiation().bytes() : null;
        Input in = input(data, real);
        Result<HandshakeInitiation> decoded = HandshakeInitiation.decode(in.bytes, 0, in.bytes.length);
        if (!decoded.isAccepted()) {
            return;
        }
        HandshakeInitiation message = decoded.value();
        if (!genuine && data.consumeBoolean()) {
            MACS_TO_RESPONDER.addMacs(message);
        }
        checkMacs(RESPONDER_CHECKS, message, in, underLoad);
        Result<Handshake> consumed = Handshake.consumeInitiation(RESPONDER, message,
                key -> key.equals(INITIATOR.publicKey()) ? AT_RESPONDER : null);
        assertFalse(in.untouched() && !consumed.isAccepted(), () -> "a genuine initiation refused: " + consumed.rejection());
        // The sender index is not in the transcript (mac1 covers it): the rest must be the initiator's.
        if (consumed.isAccepted()) {
            assertFalse(!in.untouched(8, message.mac1Offset()), "an initiation not made with the key was consumed");
            assertFalse(consumed.value().createResponse(7).rejection() != null, "no response to a consumed initiation");
        }
    }

    private static void response(FuzzedDataProvider data, boolean genuine, boolean underLoad) {
        Handshake pending = new Handshake(INITIATOR, RESPONDER.publicKey(), CLOCK, RANDOM);
        HandshakeInitiation initiation = pending.createInitiation(RANDOM.nextInt()).value();
        byte[] real = null;
        if (genuine) {
            Handshake responder = Handshake.consumeInitiation(RESPONDER, initiation,
                    key -> key.equals(INITIATOR.publicKey()) ? AT_RESPONDER : null).value();
            HandshakeResponse response = responder.createResponse(RANDOM.nextInt()).value();
            MACS_TO_INITIATOR.addMacs(response);
            real = response.bytes();
        }
        Input in = input(data, real);
        if (!genuine && in.bytes.length == HandshakeResponse.SIZE && data.consumeBoolean()) {
            // The receiver index is the one thing the fuzzer could not guess that is not secret.
            Wire.putInt(in.bytes, 8, pending.localIndex());
        }
        Result<HandshakeResponse> decoded = HandshakeResponse.decode(in.bytes, 0, in.bytes.length);
        if (!decoded.isAccepted()) {
            return;
        }
        HandshakeResponse message = decoded.value();
        if (!genuine && data.consumeBoolean()) {
            MACS_TO_INITIATOR.addMacs(message);
        }
        checkMacs(INITIATOR_CHECKS, message, in, underLoad);
        Result<Handshake> consumed = pending.consumeResponse(message);
        assertFalse(in.untouched() && !consumed.isAccepted(), () -> "a genuine response refused: " + consumed.rejection());
        // Receiver, ephemeral and the encrypted empty payload are checked; the sender index is not.
        if (consumed.isAccepted()) {
            assertFalse(!in.untouched(8, message.mac1Offset()), "a response not made with the key was consumed");
            assertFalse(pending.beginSession().rejection() != null, "no session from a consumed response");
        }
    }

    private static void cookieReply(FuzzedDataProvider data, boolean genuine) {
        // Each reply answers the last message sent: send one, so a reply has something to answer.
        HandshakeInitiation sent = new Handshake(INITIATOR, RESPONDER.publicKey(), CLOCK, RANDOM)
                .createInitiation(RANDOM.nextInt()).value();
        MACS_TO_RESPONDER.addMacs(sent);
        byte[] real = genuine ? RESPONDER_CHECKS.createReply(sent, SOURCE).bytes() : null;
        Input in = input(data, real);
        Result<CookieReply> decoded = CookieReply.decode(in.bytes, 0, in.bytes.length);
        if (!decoded.isAccepted()) {
            return;
        }
        Result<CookieReply> consumed = MACS_TO_RESPONDER.consumeReply(decoded.value());
        assertFalse(in.untouched() && !consumed.isAccepted(), () -> "a genuine cookie reply refused: " + consumed.rejection());
        // The receiver index routes the reply; nonce and sealed cookie are what the key protects.
        if (consumed.isAccepted()) {
            assertFalse(!in.untouched(8, CookieReply.SIZE), "a cookie reply not made with the key was taken");
        }
    }

    /** mac1 covers everything before it, mac2 everything before it and needs a cookie we gave. */
    private static <M extends HandshakeMessage> void checkMacs(CookieChecker checker, M message, Input in,
                                                               boolean underLoad) {
        Result<M> checked = checker.check(message, SOURCE, underLoad);
        assertFalse(in.untouched() && !underLoad && !checked.isAccepted(), "a genuine message failed mac1");
        if (checked.isAccepted() && in.genuine) {
            assertFalse(!in.untouched(0, message.mac1Offset() + 16), "a message with a forged mac1 passed");
        }
    }

    private static HandshakeInitiation genuineInitiation() {
        HandshakeInitiation message = new Handshake(INITIATOR, RESPONDER.publicKey(), CLOCK, RANDOM)
                .createInitiation(RANDOM.nextInt()).value();
        MACS_TO_RESPONDER.addMacs(message);
        return message;
    }

    /** A genuine message with the fuzzer's XOR mask on it, or the fuzzer's bytes when there is none. */
    private static Input input(FuzzedDataProvider data, byte[] real) {
        if (real == null) {
            byte[] raw = data.consumeRemainingAsBytes();
            return new Input(raw, new boolean[raw.length], false);
        }
        byte[] mask = data.consumeRemainingAsBytes();
        byte[] bytes = real.clone();
        boolean[] changed = new boolean[bytes.length];
        for (int i = 0; i < mask.length && i < bytes.length; i++) {
            bytes[i] ^= mask[i];
            changed[i] = mask[i] != 0;
        }
        return new Input(bytes, changed, true);
    }
}
