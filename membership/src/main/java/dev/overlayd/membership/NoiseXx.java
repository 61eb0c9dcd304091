package dev.overlayd.membership;

import java.security.GeneralSecurityException;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import javax.crypto.ShortBufferException;
import com.southernstorm.noise.protocol.CipherStatePair;
import com.southernstorm.noise.protocol.HandshakeState;
import dev.overlayd.noise.PrivateKey;
import dev.overlayd.noise.PublicKey;

/**
 * A Noise XX handshake (Noise-Java) with this node's WireGuard static key, and the session it
 * splits into, sans I/O: the join's and the enrolment's, which differ only in their framing, their
 * prologue and, for a token, a pre-shared key. The keys are wiped on {@link #close}.
 */
public final class NoiseXx implements AutoCloseable {
    private static final int MAX_NOISE = 65535;
    private static final int TAG = 16;

    private final HandshakeState handshake;
    private CipherStatePair session;

    private NoiseXx(String protocol, int role, PrivateKey key, byte[] psk, byte[] prologue) {
        try {
            handshake = new HandshakeState(protocol, role);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(protocol + " is not available", e);
        }
        byte[] secret = key.bytes();
        handshake.getLocalKeyPair().setPrivateKey(secret, 0);
        Arrays.fill(secret, (byte) 0);
        if (psk != null) {
            handshake.setPreSharedKey(psk, 0, psk.length);
        }
        handshake.setPrologue(prologue, 0, prologue.length);
        handshake.start();
    }

    /** {@code psk} null for none; {@code protocol} names the pattern, e.g. "Noise_XX_25519_ChaChaPoly_BLAKE2s". */
    public static NoiseXx initiator(String protocol, PrivateKey key, byte[] psk, byte[] prologue) {
        return new NoiseXx(protocol, HandshakeState.INITIATOR, key, psk, prologue);
    }

    public static NoiseXx responder(String protocol, PrivateKey key, byte[] psk, byte[] prologue) {
        return new NoiseXx(protocol, HandshakeState.RESPONDER, key, psk, prologue);
    }

    /** This side's next handshake message around {@code payload}. */
    public byte[] write(byte[] payload) throws GeneralSecurityException {
        byte[] out = new byte[MAX_NOISE];
        int n = handshake.writeMessage(out, 0, payload, 0, payload.length);
        splitWhenDone();
        return Arrays.copyOf(out, n);
    }

    /** Reads the other side's handshake message, {@code len} bytes of {@code buf} from {@code off}; returns its payload. */
    public byte[] read(byte[] buf, int off, int len) throws GeneralSecurityException {
        checkBounds(buf, off, len);
        byte[] payload = new byte[MAX_NOISE];
        int n = handshake.readMessage(buf, off, len, payload, 0);
        splitWhenDone();
        return Arrays.copyOf(payload, n);
    }

    /** The static key the other side proved, once it has sent it. */
    public PublicKey remoteKey() {
        byte[] key = new byte[32];
        handshake.getRemotePublicKey().getPublicKey(key, 0);
        return new PublicKey(key);
    }

    /** {@code payload} under the session's keys, once the handshake is over. */
    public byte[] seal(byte[] payload) throws GeneralSecurityException {
        byte[] out = new byte[payload.length + TAG];
        int n = session().getSender().encryptWithAd(null, payload, 0, out, 0, payload.length);
        return Arrays.copyOf(out, n);
    }

    public byte[] open(byte[] buf, int off, int len) throws GeneralSecurityException {
        checkBounds(buf, off, len);
        byte[] out = new byte[len];
        int n = session().getReceiver().decryptWithAd(null, buf, off, out, 0, len);
        return Arrays.copyOf(out, n);
    }

    /**
     * A message shorter than its header leaves a negative length, which noise-java answers with an
     * IllegalArgumentException: the same short message as any other, a GeneralSecurityException.
     */
    private static void checkBounds(byte[] buf, int off, int len) throws ShortBufferException {
        if (off < 0 || len < 0 || off > buf.length - len) {
            throw new ShortBufferException("a Noise message of " + len + " bytes at " + off + " of " + buf.length);
        }
    }

    private CipherStatePair session() throws GeneralSecurityException {
        if (session == null) {
            throw new GeneralSecurityException("the handshake is not over");
        }
        return session;
    }

    private void splitWhenDone() {
        if (handshake.getAction() == HandshakeState.SPLIT) {
            session = handshake.split();
        }
    }

    @Override
    public void close() {
        handshake.destroy();
        if (session != null) {
            session.destroy();
        }
    }
}
