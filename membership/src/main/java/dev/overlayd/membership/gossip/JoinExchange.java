package dev.overlayd.membership.gossip;

import java.security.GeneralSecurityException;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import com.southernstorm.noise.protocol.CipherStatePair;
import com.southernstorm.noise.protocol.HandshakeState;
import dev.overlayd.noise.PrivateKey;
import dev.overlayd.noise.PublicKey;

/**
 * One join, sans I/O: Noise_XX between a joining node (the initiator) and a member, with the
 * WireGuard static keys, so each side proves the key its certificate binds. The member's record
 * rides in the second message, the joiner's in the third, both encrypted; the member then answers
 * with a fourth, the welcome, under the session's keys. The prologue binds the cluster's CA, so
 * nodes of another cluster fail at the first authenticated message.
 *
 * <p>Messages: byte 0 is the side channel's type, byte 1 the step (1 to 4), bytes 2-3 zero,
 * bytes 4-7 the exchange's id (chosen by the joiner), then the Noise message.
 */
final class JoinExchange implements AutoCloseable {
    static final byte TYPE = 0x6f;
    static final int HEADER = 8;
    static final String PROTOCOL = "Noise_XX_25519_ChaChaPoly_BLAKE2s";
    private static final int MAX_NOISE = 65535;

    private final HandshakeState handshake;
    private final int id;
    private CipherStatePair session;

    private JoinExchange(int role, PrivateKey key, byte[] prologue, int id) {
        try {
            handshake = new HandshakeState(PROTOCOL, role);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(PROTOCOL + " is not available", e);
        }
        byte[] secret = key.bytes();
        handshake.getLocalKeyPair().setPrivateKey(secret, 0);
        Arrays.fill(secret, (byte) 0);
        handshake.setPrologue(prologue, 0, prologue.length);
        handshake.start();
        this.id = id;
    }

    static JoinExchange joiner(PrivateKey key, byte[] prologue, int id) {
        return new JoinExchange(HandshakeState.INITIATOR, key, prologue, id);
    }

    static JoinExchange member(PrivateKey key, byte[] prologue, int id) {
        return new JoinExchange(HandshakeState.RESPONDER, key, prologue, id);
    }

    int id() {
        return id;
    }

    static int step(byte[] message) {
        return message.length < HEADER ? -1 : message[1];
    }

    static int id(byte[] message) {
        return (message[4] & 0xff) | (message[5] & 0xff) << 8 | (message[6] & 0xff) << 16 | (message[7] & 0xff) << 24;
    }

    /** Writes this side's next handshake message (steps 1 to 3) around {@code payload}. */
    byte[] write(int step, byte[] payload) throws GeneralSecurityException {
        byte[] out = new byte[MAX_NOISE];
        int n = handshake.writeMessage(out, 0, payload, 0, payload.length);
        splitWhenDone();
        return frame(step, out, n);
    }

    /** Reads the other side's handshake message; returns its payload. */
    byte[] read(byte[] message) throws GeneralSecurityException {
        byte[] payload = new byte[MAX_NOISE];
        int n = handshake.readMessage(message, HEADER, message.length - HEADER, payload, 0);
        splitWhenDone();
        return Arrays.copyOf(payload, n);
    }

    /** The static key the other side proved, once it has sent it. */
    PublicKey remoteKey() {
        byte[] key = new byte[32];
        handshake.getRemotePublicKey().getPublicKey(key, 0);
        return new PublicKey(key);
    }

    /** The member's fourth message, under the session's keys. */
    byte[] welcome(byte[] payload) throws GeneralSecurityException {
        byte[] out = new byte[payload.length + 16];
        int n = session.getSender().encryptWithAd(null, payload, 0, out, 0, payload.length);
        return frame(4, out, n);
    }

    byte[] openWelcome(byte[] message) throws GeneralSecurityException {
        byte[] out = new byte[message.length - HEADER];
        int n = session.getReceiver().decryptWithAd(null, message, HEADER, out, 0, message.length - HEADER);
        return Arrays.copyOf(out, n);
    }

    private void splitWhenDone() {
        if (handshake.getAction() == HandshakeState.SPLIT) {
            session = handshake.split();
        }
    }

    private byte[] frame(int step, byte[] noise, int n) {
        byte[] m = new byte[HEADER + n];
        m[0] = TYPE;
        m[1] = (byte) step;
        m[4] = (byte) id;
        m[5] = (byte) (id >>> 8);
        m[6] = (byte) (id >>> 16);
        m[7] = (byte) (id >>> 24);
        System.arraycopy(noise, 0, m, HEADER, n);
        return m;
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
