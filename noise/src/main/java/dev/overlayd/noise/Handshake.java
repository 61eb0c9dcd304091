package dev.overlayd.noise;

import java.security.SecureRandom;
import java.util.function.Function;
import dev.overlayd.noise.crypto.Curve25519;
import dev.overlayd.noise.crypto.Wipe;
import dev.overlayd.noise.message.HandshakeInitiation;
import dev.overlayd.noise.message.HandshakeResponse;

/**
 * One peer's Noise_IKpsk2 handshake: the four steps of WireGuard's noise-protocol (create and consume
 * an initiation, create and consume a response) and the session keys they yield. Sans-I/O: messages
 * in and out, time from the injected clock, indices from the caller's index table.
 */
public final class Handshake {

    public enum State { ZEROED, INITIATION_CREATED, INITIATION_CONSUMED, RESPONSE_CREATED, RESPONSE_CONSUMED }

    private final PublicKey remoteStatic;
    private final Clock clock;
    private final SecureRandom random;

    private StaticIdentity local;
    /** DH(local static, remote static), or null when it is zero: then no handshake is possible. */
    private byte[] precomputedStaticStatic;
    private PresharedKey presharedKey = PresharedKey.NONE;

    private State state = State.ZEROED;
    private SymmetricState symmetric;
    private byte[] localEphemeral;
    private byte[] remoteEphemeral;
    private int localIndex;
    private int remoteIndex;
    /**
     * Our initiation, set aside while we answer the peer's. When both sides initiate at once, each
     * answering the other must not discard its own: the answer to it is already on its way and
     * gives a session we may send on at once, where the responder's session must wait for the
     * peer's first data. Dropping it, as the single-state machine of the paper does, leaves both
     * sides with sessions neither may send on until the retry REKEY_TIMEOUT later.
     */
    private Initiation waiting;

    private record Initiation(SymmetricState symmetric, byte[] ephemeral, int localIndex) {}

    private byte[] lastTimestamp;
    private long lastInitiationConsumed;
    private boolean consumedAny;

    public Handshake(StaticIdentity local, PublicKey remoteStatic, Clock clock, SecureRandom random) {
        this.remoteStatic = remoteStatic;
        this.clock = clock;
        this.random = random;
        setLocalIdentity(local);
    }

    public PublicKey remoteStatic() {
        return remoteStatic;
    }

    /**
     * A new private key invalidates the precomputed DH and any handshake under way. Null (a device
     * whose key was cleared) leaves the peer unable to initiate until a key is set.
     */
    public synchronized void setLocalIdentity(StaticIdentity identity) {
        local = identity;
        Wipe.bytes(precomputedStaticStatic);
        precomputedStaticStatic = identity == null ? null : identity.privateKey().sharedSecret(remoteStatic.bytes);
        clear();
    }

    public synchronized void setPresharedKey(PresharedKey key) {
        presharedKey = key;
    }

    public synchronized PresharedKey presharedKey() {
        return presharedKey;
    }

    public synchronized State state() {
        return state;
    }

    /** The index this side chose for the handshake under way. */
    public synchronized int localIndex() {
        return localIndex;
    }

    /** The index of our initiation set aside while answering the peer's, 0 for none. */
    public synchronized int waitingIndex() {
        return waiting == null ? 0 : waiting.localIndex;
    }

    public synchronized Result<HandshakeInitiation> createInitiation(int newLocalIndex) {
        if (precomputedStaticStatic == null) {
            return Result.reject(Rejection.BAD_PUBLIC_KEY);
        }
        clear();
        SymmetricState s = SymmetricState.start(remoteStatic);
        byte[] ephemeral = Curve25519.generatePrivateKey(random);
        byte[] ephemeralPublic = Curve25519.publicKey(ephemeral);
        s.mixChain(ephemeralPublic);
        s.mixHash(ephemeralPublic);
        byte[] es = Curve25519.sharedSecret(ephemeral, remoteStatic.bytes);
        if (es == null) {
            Wipe.bytes(ephemeral);
            s.wipe();
            return Result.reject(Rejection.BAD_PUBLIC_KEY);
        }
        byte[] encryptedStatic = s.encryptAndHash(s.mixKey(es), local.publicKey().bytes);
        byte[] encryptedTimestamp = s.encryptAndHash(s.mixKey(precomputedStaticStatic),
                Tai64n.of(clock.epochNanos()));
        Wipe.bytes(es);

        symmetric = s;
        localEphemeral = ephemeral;
        localIndex = newLocalIndex;
        state = State.INITIATION_CREATED;
        return Result.accept(HandshakeInitiation.create(newLocalIndex, ephemeralPublic, encryptedStatic,
                encryptedTimestamp));
    }

    /**
     * The responder's first step. The initiator's identity is inside the message, so this runs
     * against the device's identity until the decrypted static key names a peer ({@code peers}
     * returns that peer's handshake, or null), then against that peer's state.
     */
    public static Result<Handshake> consumeInitiation(StaticIdentity local, HandshakeInitiation message,
                                                      Function<PublicKey, Handshake> peers) {
        SymmetricState s = SymmetricState.start(local.publicKey());
        byte[] ephemeral = message.ephemeral();
        s.mixChain(ephemeral);
        s.mixHash(ephemeral);
        byte[] es = local.privateKey().sharedSecret(ephemeral);
        if (es == null) {
            s.wipe();
            return Result.reject(Rejection.BAD_PUBLIC_KEY);
        }
        byte[] initiatorStatic = s.decryptAndHash(s.mixKey(es), message.encryptedStatic());
        Wipe.bytes(es);
        if (initiatorStatic == null) {
            s.wipe();
            return Result.reject(Rejection.DECRYPTION_FAILED);
        }
        Handshake handshake = peers.apply(new PublicKey(initiatorStatic));
        if (handshake == null) {
            s.wipe();
            return Result.reject(Rejection.UNKNOWN_PEER);
        }
        return handshake.consumeInitiationAsPeer(s, message, ephemeral);
    }

    private synchronized Result<Handshake> consumeInitiationAsPeer(SymmetricState s, HandshakeInitiation message,
                                                                   byte[] ephemeral) {
        if (precomputedStaticStatic == null) {
            s.wipe();
            return Result.reject(Rejection.BAD_PUBLIC_KEY);
        }
        byte[] timestamp = s.decryptAndHash(s.mixKey(precomputedStaticStatic), message.encryptedTimestamp());
        if (timestamp == null) {
            s.wipe();
            return Result.reject(Rejection.DECRYPTION_FAILED);
        }
        if (!Tai64n.isAfter(timestamp, lastTimestamp)) {
            s.wipe();
            return Result.reject(Rejection.REPLAYED_INITIATION);
        }
        long now = clock.nanoTime();
        if (consumedAny && now - lastInitiationConsumed < Protocol.HANDSHAKE_INITIATION_RATE) {
            s.wipe();
            return Result.reject(Rejection.INITIATION_FLOOD);
        }
        Initiation ours = waiting;
        if (state == State.INITIATION_CREATED) {
            ours = new Initiation(symmetric, localEphemeral, localIndex);
            symmetric = null;
            localEphemeral = null;
        }
        waiting = null;
        clear();
        waiting = ours;
        symmetric = s;
        remoteEphemeral = ephemeral;
        remoteIndex = message.sender();
        lastTimestamp = timestamp;
        lastInitiationConsumed = now;
        consumedAny = true;
        state = State.INITIATION_CONSUMED;
        return Result.accept(this);
    }

    public synchronized Result<HandshakeResponse> createResponse(int newLocalIndex) {
        if (state != State.INITIATION_CONSUMED) {
            return Result.reject(Rejection.UNEXPECTED_MESSAGE);
        }
        SymmetricState s = symmetric;
        byte[] ephemeral = Curve25519.generatePrivateKey(random);
        byte[] ephemeralPublic = Curve25519.publicKey(ephemeral);
        s.mixHash(ephemeralPublic);
        s.mixChain(ephemeralPublic);
        byte[] ee = Curve25519.sharedSecret(ephemeral, remoteEphemeral);
        byte[] se = Curve25519.sharedSecret(ephemeral, remoteStatic.bytes);
        Wipe.bytes(ephemeral);
        if (ee == null || se == null) {
            Wipe.bytes(ee, se);
            clear();
            return Result.reject(Rejection.BAD_PUBLIC_KEY);
        }
        s.mixChain(ee);
        s.mixChain(se);
        Wipe.bytes(ee, se);
        byte[] encryptedEmpty = s.encryptAndHash(s.mixKeyAndHash(presharedKey.bytes), new byte[0]);

        localIndex = newLocalIndex;
        state = State.RESPONSE_CREATED;
        return Result.accept(HandshakeResponse.create(newLocalIndex, remoteIndex, ephemeralPublic, encryptedEmpty));
    }

    public synchronized Result<Handshake> consumeResponse(HandshakeResponse message) {
        if (state != State.INITIATION_CREATED || message.receiver() != localIndex) {
            return Result.reject(Rejection.UNEXPECTED_MESSAGE);
        }
        // Work on a copy: a forged response must not disturb the initiation still waiting for the real one.
        SymmetricState s = symmetric.copy();
        byte[] ephemeral = message.ephemeral();
        s.mixHash(ephemeral);
        s.mixChain(ephemeral);
        byte[] ee = Curve25519.sharedSecret(localEphemeral, ephemeral);
        byte[] se = local.privateKey().sharedSecret(ephemeral);
        if (ee == null || se == null) {
            Wipe.bytes(ee, se);
            s.wipe();
            return Result.reject(Rejection.BAD_PUBLIC_KEY);
        }
        s.mixChain(ee);
        s.mixChain(se);
        Wipe.bytes(ee, se);
        if (s.decryptAndHash(s.mixKeyAndHash(presharedKey.bytes), message.encryptedEmpty()) == null) {
            s.wipe();
            return Result.reject(Rejection.DECRYPTION_FAILED);
        }
        symmetric.wipe();
        symmetric = s;
        Wipe.bytes(localEphemeral);
        localEphemeral = null;
        remoteIndex = message.sender();
        state = State.RESPONSE_CONSUMED;
        return Result.accept(this);
    }

    /**
     * Derives the session from a completed handshake and forgets the handshake's secrets. The
     * initiator sends with T1 and receives with T2, the responder the other way round.
     */
    public synchronized Result<Keypair> beginSession() {
        boolean initiator;
        if (state == State.RESPONSE_CONSUMED) {
            initiator = true;
        } else if (state == State.RESPONSE_CREATED) {
            initiator = false;
        } else {
            return Result.reject(Rejection.UNEXPECTED_MESSAGE);
        }
        byte[][] keys = symmetric.split();
        byte[] send = initiator ? keys[0] : keys[1];
        byte[] receive = initiator ? keys[1] : keys[0];
        Keypair keypair = new Keypair(new TransportKey(send), new TransportKey(receive), initiator,
                localIndex, remoteIndex, clock.nanoTime());
        Wipe.bytes(keys[0], keys[1]);
        symmetric = null;
        Initiation resumed = waiting;
        waiting = null;
        clear();
        if (resumed != null) {
            symmetric = resumed.symmetric;
            localEphemeral = resumed.ephemeral;
            localIndex = resumed.localIndex;
            state = State.INITIATION_CREATED;
        }
        return Result.accept(keypair);
    }

    /** Forgets the handshake under way (not the replay and flood history). */
    public synchronized void clear() {
        if (symmetric != null) {
            symmetric.wipe();
            symmetric = null;
        }
        Wipe.bytes(localEphemeral);
        localEphemeral = null;
        remoteEphemeral = null;
        localIndex = 0;
        remoteIndex = 0;
        state = State.ZEROED;
        if (waiting != null) {
            waiting.symmetric.wipe();
            Wipe.bytes(waiting.ephemeral);
            waiting = null;
        }
    }

    /** For tests of the transcript: the chaining key and hash of the handshake under way. */
    synchronized byte[][] transcript() {
        return symmetric == null ? null : new byte[][] {symmetric.chainKey(), symmetric.hash()};
    }
}
