package dev.overlayd.membership.gossip;

import java.security.GeneralSecurityException;
import java.security.NoSuchAlgorithmException;
import java.util.Arrays;
import javax.crypto.ShortBufferException;
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
 * <p>Before the member keeps any state, the joiner proves it receives at its address: the member
 * answers a first message without a valid cookie with a {@link #COOKIE} message ({@link JoinCookies}),
 * and the joiner sends its first message again with the cookie in it.
 *
 * <p>Messages: byte 0 is the side channel's type, byte 1 the step (1 to 4, or {@link #COOKIE}),
 * byte 2 the format version ({@link GossipMessage#VERSION}; version 1 had zero here), byte 3 zero,
 * bytes 4-7 the exchange's id (chosen by the joiner), then for step 1 and {@link #COOKIE} the
 * cookie ({@link JoinCookies#LENGTH} bytes, zero when the joiner has none yet), then the Noise message.
 *
 * <p>Every message fits {@link GossipMessage#MAX_DATAGRAM}, so none travels as IP fragments on the
 * underlay: the largest, the second, adds 104 bytes (header, the member's ephemeral and encrypted
 * static keys, the tag) to a record with its certificate; one with a 63-character name, an IPv6
 * endpoint and a certificate that carries its issuer's (350 bytes more) takes 1165 bytes. The
 * welcome is the member's own record, the rest of the cluster comes by a sync inside the overlay.
 */
final class JoinExchange implements AutoCloseable {
    static final byte TYPE = 0x6f;
    static final int HEADER = 8;
    /** The member's answer to a first message without a valid cookie: the cookie to send it with. */
    static final int COOKIE = 5;
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

    /** The message's step, or -1 when it is too short to have one. */
    static int step(byte[] message) {
        return message.length < HEADER ? -1 : message[1];
    }

    static int version(byte[] message) {
        return message[2] & 0xff;
    }

    /** The cookie a first or {@link #COOKIE} message carries, or null when the message is too short for one. */
    static byte[] cookie(byte[] message) {
        return message.length < HEADER + JoinCookies.LENGTH ? null
                : Arrays.copyOfRange(message, HEADER, HEADER + JoinCookies.LENGTH);
    }

    /** The member's cookie answer to a first message. */
    static byte[] cookieReply(int id, byte[] cookie) {
        byte[] m = new byte[HEADER + JoinCookies.LENGTH];
        header(m, COOKIE, id);
        System.arraycopy(cookie, 0, m, HEADER, JoinCookies.LENGTH);
        return m;
    }

    /** The joiner's first message again, with the member's cookie in it. */
    static byte[] withCookie(byte[] first, byte[] cookie) {
        byte[] m = first.clone();
        System.arraycopy(cookie, 0, m, HEADER, JoinCookies.LENGTH);
        return m;
    }

    static int id(byte[] message) {
        return (message[4] & 0xff) | (message[5] & 0xff) << 8 | (message[6] & 0xff) << 16 | (message[7] & 0xff) << 24;
    }

    /** Writes this side's next handshake message (steps 1 to 3) around {@code payload}; step 1's cookie is zero. */
    byte[] write(int step, byte[] payload) throws GeneralSecurityException {
        byte[] out = new byte[MAX_NOISE];
        int n = handshake.writeMessage(out, 0, payload, 0, payload.length);
        splitWhenDone();
        return frame(step, out, n);
    }

    /** Reads the other side's handshake message; returns its payload. */
    byte[] read(byte[] message) throws GeneralSecurityException {
        int off = noiseOffset(step(message));
        if (message.length < off) {
            throw new ShortBufferException("a join message of " + message.length + " bytes");
        }
        byte[] payload = new byte[MAX_NOISE];
        int n = handshake.readMessage(message, off, message.length - off, payload, 0);
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
        int off = noiseOffset(step);
        byte[] m = new byte[off + n];
        header(m, step, id);
        System.arraycopy(noise, 0, m, off, n);
        return m;
    }

    private static int noiseOffset(int step) {
        return step == 1 ? HEADER + JoinCookies.LENGTH : HEADER;
    }

    private static void header(byte[] m, int step, int id) {
        m[0] = TYPE;
        m[1] = (byte) step;
        m[2] = (byte) GossipMessage.VERSION;
        m[4] = (byte) id;
        m[5] = (byte) (id >>> 8);
        m[6] = (byte) (id >>> 16);
        m[7] = (byte) (id >>> 24);
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
