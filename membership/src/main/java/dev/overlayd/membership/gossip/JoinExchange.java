package dev.overlayd.membership.gossip;

import java.security.GeneralSecurityException;
import java.util.Arrays;
import javax.crypto.ShortBufferException;
import dev.overlayd.membership.NoiseXx;
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
 * <p>Messages: byte 0 is the side channel's type, byte 1 the step (1 to 4, {@link #COOKIE} or {@link #REVOKED}),
 * byte 2 the format version ({@link GossipMessage#VERSION}; version 1 had zero here), byte 3 zero,
 * bytes 4-7 the exchange's id (chosen by the joiner), then for step 1 and {@link #COOKIE} the
 * cookie ({@link JoinCookies#LENGTH} bytes, zero when the joiner has none yet), then the Noise
 * message ({@link #REVOKED}: a part of the revocation list instead).
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
    /**
     * The member's answer to a third message from a node whose certificate is revoked: one part of
     * the revocation list (a {@link GossipMessage#REVOCATIONS} message, unencrypted: the CA's
     * signature is what the joiner trusts, and the list is no secret). Only after a third message,
     * so the joiner has shown it receives at its address and the parts go to no forged source.
     */
    static final int REVOKED = 6;
    static final String PROTOCOL = "Noise_XX_25519_ChaChaPoly_BLAKE2s";

    private final NoiseXx noise;
    private final int id;

    private JoinExchange(NoiseXx noise, int id) {
        this.noise = noise;
        this.id = id;
    }

    static JoinExchange joiner(PrivateKey key, byte[] prologue, int id) {
        return new JoinExchange(NoiseXx.initiator(PROTOCOL, key, null, prologue), id);
    }

    static JoinExchange member(PrivateKey key, byte[] prologue, int id) {
        return new JoinExchange(NoiseXx.responder(PROTOCOL, key, null, prologue), id);
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

    /** A {@link #REVOKED} message around one encoded part of the revocation list. */
    static byte[] revokedNotice(int id, byte[] part) {
        byte[] m = new byte[HEADER + part.length];
        header(m, REVOKED, id);
        System.arraycopy(part, 0, m, HEADER, part.length);
        return m;
    }

    /** What a {@link #REVOKED} message carries: the part of the revocation list. */
    static byte[] notice(byte[] message) {
        return Arrays.copyOfRange(message, HEADER, message.length);
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
        return frame(step, noise.write(payload));
    }

    /** Reads the other side's handshake message; returns its payload. */
    byte[] read(byte[] message) throws GeneralSecurityException {
        int off = noiseOffset(step(message));
        if (message.length < off) {
            throw new ShortBufferException("a join message of " + message.length + " bytes");
        }
        return noise.read(message, off, message.length - off);
    }

    /** The static key the other side proved, once it has sent it. */
    PublicKey remoteKey() {
        return noise.remoteKey();
    }

    /** The member's fourth message, under the session's keys. */
    byte[] welcome(byte[] payload) throws GeneralSecurityException {
        return frame(4, noise.seal(payload));
    }

    byte[] openWelcome(byte[] message) throws GeneralSecurityException {
        return noise.open(message, HEADER, message.length - HEADER);
    }

    private byte[] frame(int step, byte[] body) {
        int off = noiseOffset(step);
        byte[] m = new byte[off + body.length];
        header(m, step, id);
        System.arraycopy(body, 0, m, off, body.length);
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
        noise.close();
    }
}
