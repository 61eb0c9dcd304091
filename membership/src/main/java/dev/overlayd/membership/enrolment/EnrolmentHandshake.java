package dev.overlayd.membership.enrolment;

import java.security.GeneralSecurityException;
import dev.overlayd.membership.NoiseXx;
import dev.overlayd.membership.gossip.JoinCookies;
import dev.overlayd.noise.PrivateKey;
import dev.overlayd.noise.PublicKey;

/**
 * One enrolment's Noise handshake in enrolment's framing: XX with the WireGuard static keys, so the
 * issuer certifies a key the asker proved it holds and the private key never leaves the node. With
 * a token the pattern is NoisePSK_XX, the token's secret the pre-shared key: only a holder of the
 * token gets past the first message, and only an issuer that knows the token answers it. A renewal
 * is plain XX: the asker's certificate, in the third message, proves it.
 */
final class EnrolmentHandshake implements AutoCloseable {
    static final String WITH_TOKEN = "NoisePSK_XX_25519_ChaChaPoly_BLAKE2s";
    static final String RENEWAL = "Noise_XX_25519_ChaChaPoly_BLAKE2s";

    private final NoiseXx noise;
    private final EnrolmentMessage.Kind kind;
    private final int id;
    private final int tokenId;
    private final String answerer;

    private EnrolmentHandshake(NoiseXx noise, EnrolmentMessage.Kind kind, int id, int tokenId, String answerer) {
        this.noise = noise;
        this.kind = kind;
        this.id = id;
        this.tokenId = tokenId;
        this.answerer = answerer;
    }

    /** The asking side, asking the member named {@code answerer}; {@code psk} null for a renewal. */
    static EnrolmentHandshake asker(EnrolmentMessage.Kind kind, PrivateKey key, byte[] psk, int id, int tokenId,
                                    String answerer) {
        return new EnrolmentHandshake(NoiseXx.initiator(psk == null ? RENEWAL : WITH_TOKEN, key, psk,
                EnrolmentMessage.prologue(kind, id, tokenId)), kind, id, tokenId, answerer);
    }

    static EnrolmentHandshake issuer(EnrolmentMessage.Kind kind, PrivateKey key, byte[] psk, int id, int tokenId) {
        return new EnrolmentHandshake(NoiseXx.responder(psk == null ? RENEWAL : WITH_TOKEN, key, psk,
                EnrolmentMessage.prologue(kind, id, tokenId)), kind, id, tokenId, null);
    }

    /** This side's next handshake message (steps 1 to 3) around {@code payload}; step 1's cookie is zero. */
    byte[] write(int step, byte[] payload) throws GeneralSecurityException {
        byte[] body = noise.write(payload);
        return EnrolmentMessage.frame(step, kind, id, tokenId, step == 1 ? new byte[JoinCookies.LENGTH] : null, answerer, body,
                body.length);
    }

    /** Reads the other side's handshake message; returns its payload. */
    byte[] read(EnrolmentMessage message) throws GeneralSecurityException {
        byte[] m = message.bytes();
        return noise.read(m, message.noiseOffset(), m.length - message.noiseOffset());
    }

    /** The static key the other side proved, once it has sent it. */
    PublicKey remoteKey() {
        return noise.remoteKey();
    }

    /** The issuer's answer (step 4), under the session's keys. */
    byte[] answer(byte[] payload) throws GeneralSecurityException {
        byte[] body = noise.seal(payload);
        return EnrolmentMessage.frame(4, kind, id, tokenId, null, null, body, body.length);
    }

    byte[] openAnswer(EnrolmentMessage message) throws GeneralSecurityException {
        byte[] m = message.bytes();
        return noise.open(m, EnrolmentMessage.HEADER, m.length - EnrolmentMessage.HEADER);
    }

    /** Wipes the handshake's and the session's keys. */
    @Override
    public void close() {
        noise.close();
    }
}
