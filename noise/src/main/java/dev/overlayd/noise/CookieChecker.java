package dev.overlayd.noise;

import java.net.InetSocketAddress;
import java.security.MessageDigest;
import java.security.SecureRandom;
import dev.overlayd.noise.crypto.Aead;
import dev.overlayd.noise.crypto.Blake2s;
import dev.overlayd.noise.crypto.Wipe;
import dev.overlayd.noise.message.CookieReply;
import dev.overlayd.noise.message.HandshakeMessage;

/**
 * The receiving side of WireGuard's DoS defence, one per device identity: checks mac1 on every
 * handshake message and, under load, demands a valid mac2 and answers without one with a cookie
 * reply. The cookie binds the sender's address to a secret renewed every two minutes.
 */
public final class CookieChecker {
    private static final int SECRET_LENGTH = 32;

    private final byte[] mac1Key;
    private final byte[] cookieKey;
    private final Clock clock;
    private final SecureRandom random;

    private byte[] secret;
    private long secretCreated;

    public CookieChecker(PublicKey own, Clock clock, SecureRandom random) {
        this.mac1Key = Blake2s.hash(Protocol.LABEL_MAC1, own.bytes);
        this.cookieKey = Blake2s.hash(Protocol.LABEL_COOKIE, own.bytes);
        this.clock = clock;
        this.random = random;
    }

    /**
     * The under-load rule: an invalid mac1 is dropped; when not under load that is all; under load
     * the message also needs a mac2 from a cookie we gave {@code source}, else the caller answers
     * with {@link #createReply} ({@link Rejection#COOKIE_REQUIRED}).
     */
    public <M extends HandshakeMessage> Result<M> check(M message, byte[] source, boolean underLoad) {
        if (!mac1Valid(message)) {
            return Result.reject(Rejection.INVALID_MAC1);
        }
        if (underLoad && !mac2Valid(message, source)) {
            return Result.reject(Rejection.COOKIE_REQUIRED);
        }
        return Result.accept(message);
    }

    public boolean mac1Valid(HandshakeMessage message) {
        byte[] b = message.bytes();
        byte[] expected = Blake2s.mac(mac1Key, b, 0, message.mac1Offset());
        return equalAt(expected, b, message.mac1Offset());
    }

    public synchronized boolean mac2Valid(HandshakeMessage message, byte[] source) {
        if (secret == null || clock.nanoTime() - secretCreated >= Protocol.COOKIE_REFRESH_TIME) {
            return false;
        }
        byte[] cookie = Blake2s.mac(secret, source, 0, source.length);
        byte[] b = message.bytes();
        byte[] expected = Blake2s.mac(cookie, b, 0, message.mac2Offset());
        Wipe.bytes(cookie);
        return equalAt(expected, b, message.mac2Offset());
    }

    /** A cookie reply to {@code message} from {@code source}: the cookie, sealed to the message's mac1. */
    public synchronized CookieReply createReply(HandshakeMessage message, byte[] source) {
        long now = clock.nanoTime();
        if (secret == null || now - secretCreated >= Protocol.COOKIE_REFRESH_TIME) {
            Wipe.bytes(secret);
            secret = new byte[SECRET_LENGTH];
            random.nextBytes(secret);
            secretCreated = now;
        }
        byte[] cookie = Blake2s.mac(secret, source, 0, source.length);
        byte[] nonce = new byte[CookieReply.NONCE_LENGTH];
        random.nextBytes(nonce);
        byte[] mac1 = new byte[Blake2s.MAC_LENGTH];
        System.arraycopy(message.bytes(), message.mac1Offset(), mac1, 0, mac1.length);
        byte[] sealed = Aead.xseal(cookieKey, nonce, cookie, mac1);
        Wipe.bytes(cookie);
        return CookieReply.create(message.sender(), nonce, sealed);
    }

    /** The bytes a cookie binds: the address, then the port little-endian (as wireguard-go). */
    public static byte[] source(InetSocketAddress address) {
        byte[] ip = address.getAddress().getAddress();
        byte[] out = new byte[ip.length + 2];
        System.arraycopy(ip, 0, out, 0, ip.length);
        out[ip.length] = (byte) address.getPort();
        out[ip.length + 1] = (byte) (address.getPort() >>> 8);
        return out;
    }

    private static boolean equalAt(byte[] expected, byte[] message, int off) {
        byte[] actual = new byte[expected.length];
        System.arraycopy(message, off, actual, 0, actual.length);
        return MessageDigest.isEqual(expected, actual);
    }
}
