package dev.overlayd.membership.enrolment;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import dev.overlayd.membership.gossip.JoinCookies;

/**
 * The framing of enrolment's messages on the device's UDP port, a side channel beside WireGuard's
 * and the join's. Byte 0 is {@link #TYPE}, byte 1 the step, byte 2 {@link #VERSION}, byte 3 the
 * {@link Kind}, bytes 4-7 the exchange's id (chosen by the node that asks), bytes 8-11 the token's
 * id (zero for a renewal); step 1 and {@link #COOKIE} then carry a cookie, step 1 the name of the
 * member asked to answer (a byte of length, then the name: the token's issuer, or the one that
 * issued the certificate to renew), the others go straight to their Noise message. Bytes 2 to 11
 * are the handshake's prologue, so none of them can be changed on the way.
 *
 * <p>Steps: 1 to 3 the Noise handshake, 4 the issuer's answer under the session's keys,
 * {@link #COOKIE} the issuer's cookie for a first message that had none, {@link #REFUSED} its
 * refusal of the token (unauthenticated, as the asker has not been proven then; it says nothing
 * of why), {@link #REDIRECT} a member's pointer to the endpoint of the member asked for, when it is
 * another (so a newcomer may enrol through any member among its seeds; a byte of address length,
 * the address and the port: unauthenticated too, and what it leads to is proven by the handshake).
 */
record EnrolmentMessage(int step, Kind kind, int id, int tokenId, byte[] cookie, String answerer, byte[] bytes,
                        int noiseOffset) {
    static final byte TYPE = 0x70;
    static final int VERSION = 1;
    static final int HEADER = 12;
    static final int COOKIE = 5;
    static final int REFUSED = 6;
    static final int REDIRECT = 7;

    /** What is asked for: a first certificate with a token, or a renewal with the certificate held. */
    enum Kind { TOKEN, RENEWAL }

    /** The message's fields, or null when it is not one (too short, another version, an unknown step or kind). */
    static EnrolmentMessage parse(byte[] m) {
        if (m.length < HEADER || m[0] != TYPE || (m[2] & 0xff) != VERSION || (m[3] & 0xff) > 1) {
            return null;
        }
        int step = m[1];
        if (step < 1 || step > REDIRECT) {
            return null;
        }
        boolean withCookie = step == 1 || step == COOKIE;
        int off = withCookie ? HEADER + JoinCookies.LENGTH : HEADER;
        if (m.length < off + (step == 1 ? 1 : 0)) {
            return null;
        }
        byte[] cookie = withCookie ? Arrays.copyOfRange(m, HEADER, HEADER + JoinCookies.LENGTH) : null;
        String answerer = null;
        if (step == 1) {
            int n = m[off] & 0xff;
            if (m.length < off + 1 + n) {
                return null;
            }
            answerer = new String(m, off + 1, n, StandardCharsets.UTF_8);
            off += 1 + n;
        }
        return new EnrolmentMessage(step, Kind.values()[m[3]], readInt(m, 4), readInt(m, 8), cookie, answerer, m, off);
    }

    /**
     * A message of {@code step} around {@code body}: after the header and, for step 1 and COOKIE, the
     * cookie, and for step 1 the {@code answerer}'s name.
     */
    static byte[] frame(int step, Kind kind, int id, int tokenId, byte[] cookie, String answerer, byte[] body,
                        int bodyLength) {
        byte[] name = step == 1 ? answerer.getBytes(StandardCharsets.UTF_8) : new byte[0];
        if (name.length > 255) {
            throw new IllegalArgumentException("a member's name of " + name.length + " bytes");
        }
        int off = (step == 1 || step == COOKIE ? HEADER + JoinCookies.LENGTH : HEADER) + (step == 1 ? 1 + name.length : 0);
        byte[] m = new byte[off + bodyLength];
        m[0] = TYPE;
        m[1] = (byte) step;
        m[2] = (byte) VERSION;
        m[3] = (byte) kind.ordinal();
        writeInt(m, 4, id);
        writeInt(m, 8, tokenId);
        if (cookie != null) {
            System.arraycopy(cookie, 0, m, HEADER, JoinCookies.LENGTH);
        }
        if (step == 1) {
            m[HEADER + JoinCookies.LENGTH] = (byte) name.length;
            System.arraycopy(name, 0, m, HEADER + JoinCookies.LENGTH + 1, name.length);
        }
        System.arraycopy(body, 0, m, off, bodyLength);
        return m;
    }

    /** The first message again, with the issuer's cookie in it. */
    static byte[] withCookie(byte[] first, byte[] cookie) {
        byte[] m = first.clone();
        System.arraycopy(cookie, 0, m, HEADER, JoinCookies.LENGTH);
        return m;
    }

    /** What the handshake binds: the version, the kind, the exchange and the token. */
    static byte[] prologue(Kind kind, int id, int tokenId) {
        byte[] label = "overlayd enrolment v1".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        byte[] p = Arrays.copyOf(label, label.length + HEADER - 2);
        byte[] header = frame(2, kind, id, tokenId, null, null, new byte[0], 0);
        System.arraycopy(header, 2, p, label.length, HEADER - 2);
        return p;
    }

    /** A {@link #REDIRECT} to {@code endpoint}, in answer to {@code first}. */
    static byte[] redirect(EnrolmentMessage first, InetSocketAddress endpoint) {
        byte[] address = endpoint.getAddress().getAddress();
        byte[] body = new byte[1 + address.length + 2];
        body[0] = (byte) address.length;
        System.arraycopy(address, 0, body, 1, address.length);
        body[1 + address.length] = (byte) (endpoint.getPort() >>> 8);
        body[2 + address.length] = (byte) endpoint.getPort();
        return frame(REDIRECT, first.kind(), first.id(), first.tokenId(), null, null, body, body.length);
    }

    /** Where a {@link #REDIRECT} points; null when its body is not an address and a port. */
    InetSocketAddress redirectedTo() {
        int n = bytes.length - noiseOffset;
        int length = n > 0 ? bytes[noiseOffset] & 0xff : -1;
        if ((length != 4 && length != 16) || n != 1 + length + 2) {
            return null;
        }
        try {
            InetAddress address = InetAddress.getByAddress(Arrays.copyOfRange(bytes, noiseOffset + 1, noiseOffset + 1 + length));
            int port = (bytes[noiseOffset + 1 + length] & 0xff) << 8 | (bytes[noiseOffset + 2 + length] & 0xff);
            return port == 0 ? null : new InetSocketAddress(address, port);
        } catch (UnknownHostException e) {
            return null;
        }
    }

    private static int readInt(byte[] m, int off) {
        return (m[off] & 0xff) << 24 | (m[off + 1] & 0xff) << 16 | (m[off + 2] & 0xff) << 8 | (m[off + 3] & 0xff);
    }

    private static void writeInt(byte[] m, int off, int v) {
        m[off] = (byte) (v >>> 24);
        m[off + 1] = (byte) (v >>> 16);
        m[off + 2] = (byte) (v >>> 8);
        m[off + 3] = (byte) v;
    }
}
