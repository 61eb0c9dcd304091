package dev.overlayd.noise;

import java.security.SecureRandom;
import dev.overlayd.noise.message.HandshakeInitiation;
import dev.overlayd.noise.message.HandshakeResponse;

/** Real handshakes and keypairs for tests: two fresh identities and a complete Noise_IKpsk2 exchange. */
final class TestPeers {
    private static final SecureRandom RANDOM = new SecureRandom();

    private TestPeers() {}

    /** Both ends of one session: each side's keypair from the same handshake. */
    record Session(Keypair initiator, Keypair responder) {}

    /** A handshake in its initial state, usable as a value wherever one is needed. */
    static Handshake handshake(ManualClock clock) {
        StaticIdentity local = StaticIdentity.generate(RANDOM);
        StaticIdentity remote = StaticIdentity.generate(RANDOM);
        return new Handshake(local, remote.publicKey(), clock, RANDOM);
    }

    /**
     * Runs createInitiation, consumeInitiation, createResponse, consumeResponse and beginSession on
     * both sides at the clock's current time.
     */
    static Session session(ManualClock clock, int initiatorIndex, int responderIndex) {
        StaticIdentity a = StaticIdentity.generate(RANDOM);
        StaticIdentity b = StaticIdentity.generate(RANDOM);
        Handshake initiator = new Handshake(a, b.publicKey(), clock, RANDOM);
        Handshake responderPeer = new Handshake(b, a.publicKey(), clock, RANDOM);

        HandshakeInitiation initiation = initiator.createInitiation(initiatorIndex).value();
        Handshake responder = Handshake.consumeInitiation(b, initiation,
                key -> key.equals(a.publicKey()) ? responderPeer : null).value();
        HandshakeResponse response = responder.createResponse(responderIndex).value();
        initiator.consumeResponse(response).value();
        return new Session(initiator.beginSession().value(), responder.beginSession().value());
    }

    static Session session(ManualClock clock) {
        return session(clock, 0x1111_1111, 0x2222_2222);
    }
}
