package dev.overlayd.membership.enrolment;

import java.security.GeneralSecurityException;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import com.southernstorm.noise.protocol.CipherStatePair;
import com.southernstorm.noise.protocol.HandshakeState;
import dev.overlayd.membership.gossip.JoinCookies;
import dev.overlayd.noise.PrivateKey;
import dev.overlayd.noise.PublicKey;

/**
 * One enrolment's Noise handshake, sans I/O: XX with the WireGuard static keys, so the issuer
 * certifies a key the asker proved it holds and the private key never leaves the node. With a
 * token the pattern is NoisePSK_XX, the token's secret the pre-shared key: only a holder of the
 * token gets past the first message, and only an issuer that knows the token answers it. A
 * renewal is plain XX: the asker's certificate, in the third message, proves it.
 */
final class EnrolmentHandshake implements AutoCloseable {
    static final String WITH_TOKEN = "NoisePSK_XX_25519_ChaChaPoly_BLAKE2s";
    static final String RENEWAL = "Noise_XX_25519_ChaChaPoly_BLAKE2s";
    private static final int MAX_NOISE = 65535;
    private static final int TAG = 16;

    private final HandshakeState handshake;
    private final EnrolmentMessage.Kind kind;
    private final int id;
    private final int tokenId;
    private CipherStatePair session;

    private EnrolmentHandshake(int role, EnrolmentMessage.Kind kind, PrivateKey key, byte[] psk, int id, int tokenId) {
        try {
            handshake = new HandshakeState(psk == null ? RENEWAL : WITH_TOKEN, role);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("Noise's XX is not available", e);
        }
        byte[] secret = key.bytes();
        handshake.getLocalKeyPair().setPrivateKey(secret, 0);
        Arrays.fill(secret, (byte) 0);
        if (psk != null) {
            handshake.setPreSharedKey(psk, 0, psk.length);
        }
        byte[] prologue = EnrolmentMessage.prologue(kind, id, tokenId);
        handshake.setPrologue(prologue, 0, prologue.length);
        handshake.start();
        this.kind = kind;
        this.id = id;
        this.tokenId = tokenId;
    }

    /** The asking side; {@code psk} null for a renewal. */
    static EnrolmentHandshake asker(EnrolmentMessage.Kind kind, PrivateKey key, byte[] psk, int id, int tokenId) {
        return new EnrolmentHandshake(HandshakeState.INITIATOR, kind, key, psk, id, tokenId);
    }

    static EnrolmentHandshake issuer(EnrolmentMessage.Kind kind, PrivateKey key, byte[] psk, int id, int tokenId) {
        return new EnrolmentHandshake(HandshakeState.RESPONDER, kind, key, psk, id, tokenId);
    }

    /** This side's next handshake message (steps 1 to 3) around {@code payload}; step 1's cookie is zero. */
    byte[] write(int step, byte[] payload) throws GeneralSecurityException {
        byte[] out = new byte[MAX_NOISE];
        int n = handshake.writeMessage(out, 0, payload, 0, payload.length);
        splitWhenDone();
        return EnrolmentMessage.frame(step, kind, id, tokenId, step == 1 ? new byte[JoinCookies.LENGTH] : null, out, n);
    }

    /** Reads the other side's handshake message; returns its payload. */
    byte[] read(EnrolmentMessage message) throws GeneralSecurityException {
        byte[] m = message.bytes();
        byte[] payload = new byte[MAX_NOISE];
        int n = handshake.readMessage(m, message.noiseOffset(), m.length - message.noiseOffset(), payload, 0);
        splitWhenDone();
        return Arrays.copyOf(payload, n);
    }

    /** The static key the other side proved, once it has sent it. */
    PublicKey remoteKey() {
        byte[] key = new byte[32];
        handshake.getRemotePublicKey().getPublicKey(key, 0);
        return new PublicKey(key);
    }

    /** The issuer's answer (step 4), under the session's keys. */
    byte[] answer(byte[] payload) throws GeneralSecurityException {
        byte[] out = new byte[payload.length + TAG];
        int n = session.getSender().encryptWithAd(null, payload, 0, out, 0, payload.length);
        return EnrolmentMessage.frame(4, kind, id, tokenId, null, out, n);
    }

    byte[] openAnswer(EnrolmentMessage message) throws GeneralSecurityException {
        byte[] m = message.bytes();
        byte[] out = new byte[Math.max(0, m.length - EnrolmentMessage.HEADER)];
        int n = session.getReceiver().decryptWithAd(null, m, EnrolmentMessage.HEADER, out, 0, m.length - EnrolmentMessage.HEADER);
        return Arrays.copyOf(out, n);
    }

    private void splitWhenDone() {
        if (handshake.getAction() == HandshakeState.SPLIT) {
            session = handshake.split();
        }
    }

    /** Wipes the handshake's and the session's keys. */
    @Override
    public void close() {
        handshake.destroy();
        if (session != null) {
            session.destroy();
        }
    }
}
