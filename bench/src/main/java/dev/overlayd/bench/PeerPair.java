package dev.overlayd.bench;

import java.net.InetSocketAddress;
import java.security.SecureRandom;
import java.util.function.Function;
import dev.overlayd.noise.CookieChecker;
import dev.overlayd.noise.CookieGenerator;
import dev.overlayd.noise.Handshake;
import dev.overlayd.noise.Keypair;
import dev.overlayd.noise.PublicKey;
import dev.overlayd.noise.StaticIdentity;
import dev.overlayd.noise.message.HandshakeInitiation;
import dev.overlayd.noise.message.HandshakeResponse;

/**
 * Two peers configured with each other's keys, holding every object a handshake between two devices
 * touches. Messages pass between them as objects: the benchmarks time the protocol, not the network.
 */
public final class PeerPair {
    /** Well past the responder's 20 ms flood limit and the 16.8 ms TAI64N granularity. */
    private static final long HANDSHAKE_INTERVAL = 1_000_000_000L;
    private static final int INITIATOR_INDEX = 1;
    private static final int RESPONDER_INDEX = 2;
    /** Only read under load, which the benchmarks never are; a real address keeps the call honest. */
    private static final byte[] SOURCE = CookieChecker.source(new InetSocketAddress("192.0.2.1", 51820));

    /** The two transport sessions one handshake yields. */
    public record Sessions(Keypair initiator, Keypair responder) {}

    private final FakeClock clock = new FakeClock();
    private final StaticIdentity responderIdentity;
    private final Handshake initiator;
    private final Handshake responder;
    private final CookieGenerator initiatorMacs;
    private final CookieGenerator responderMacs;
    private final CookieChecker initiatorChecker;
    private final CookieChecker responderChecker;
    private final Function<PublicKey, Handshake> responderPeers;

    public PeerPair() {
        SecureRandom random = new SecureRandom();
        StaticIdentity initiatorIdentity = StaticIdentity.generate(random);
        responderIdentity = StaticIdentity.generate(random);
        PublicKey initiatorKey = initiatorIdentity.publicKey();
        PublicKey responderKey = responderIdentity.publicKey();
        initiator = new Handshake(initiatorIdentity, responderKey, clock, random);
        responder = new Handshake(responderIdentity, initiatorKey, clock, random);
        initiatorMacs = new CookieGenerator(responderKey, clock);
        responderMacs = new CookieGenerator(initiatorKey, clock);
        initiatorChecker = new CookieChecker(initiatorKey, clock, random);
        responderChecker = new CookieChecker(responderKey, clock, random);
        responderPeers = key -> key.equals(initiatorKey) ? responder : null;
    }

    /**
     * One complete handshake, a protocol second after the previous one. Every step's
     * {@code value()} throws if the step was rejected, so a benchmark can never time failures.
     */
    public Sessions handshake() {
        clock.advance(HANDSHAKE_INTERVAL);
        HandshakeInitiation initiation = initiator.createInitiation(INITIATOR_INDEX).value();
        initiatorMacs.addMacs(initiation);

        responderChecker.check(initiation, SOURCE, false).value();
        Handshake consumed = Handshake.consumeInitiation(responderIdentity, initiation, responderPeers).value();
        HandshakeResponse response = consumed.createResponse(RESPONDER_INDEX).value();
        responderMacs.addMacs(response);

        initiatorChecker.check(response, SOURCE, false).value();
        initiator.consumeResponse(response).value();
        return new Sessions(initiator.beginSession().value(), consumed.beginSession().value());
    }

    /** The protocol time of the last handshake: keypairs accept it as "now" for three minutes. */
    public long now() {
        return clock.nanoTime();
    }
}
