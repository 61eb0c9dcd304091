package dev.overlayd.noise;

import java.util.Arrays;
import dev.overlayd.noise.crypto.Aead;
import dev.overlayd.noise.crypto.Blake2s;
import dev.overlayd.noise.crypto.Wipe;
import dev.overlayd.noise.message.CookieReply;
import dev.overlayd.noise.message.HandshakeMessage;

/**
 * The sending side of WireGuard's DoS defence, one per peer: adds mac1 (keyed with the peer's
 * public key) and mac2 (keyed with the last cookie the peer sent us, while it is fresh) to our
 * handshake messages, and takes the peer's cookie replies.
 */
public final class CookieGenerator {
    private final byte[] mac1Key;
    private final byte[] cookieKey;
    private final Clock clock;

    private byte[] lastMac1;
    private byte[] cookie;
    private long cookieReceived;

    public CookieGenerator(PublicKey peer, Clock clock) {
        this.mac1Key = Blake2s.hash(Protocol.LABEL_MAC1, peer.bytes);
        this.cookieKey = Blake2s.hash(Protocol.LABEL_COOKIE, peer.bytes);
        this.clock = clock;
    }

    public synchronized void addMacs(HandshakeMessage message) {
        byte[] b = message.bytes();
        byte[] mac1 = Blake2s.mac(mac1Key, b, 0, message.mac1Offset());
        System.arraycopy(mac1, 0, b, message.mac1Offset(), Blake2s.MAC_LENGTH);
        lastMac1 = mac1;
        if (cookie != null && clock.nanoTime() - cookieReceived < Protocol.COOKIE_REFRESH_TIME) {
            byte[] mac2 = Blake2s.mac(cookie, b, 0, message.mac2Offset());
            System.arraycopy(mac2, 0, b, message.mac2Offset(), Blake2s.MAC_LENGTH);
        } else {
            Arrays.fill(b, message.mac2Offset(), message.mac2Offset() + Blake2s.MAC_LENGTH, (byte) 0);
        }
    }

    /**
     * Takes a cookie reply to our last handshake message. It is not acted on at once: the next
     * initiation the timers send carries mac2. Each mac1 we sent answers one cookie reply only.
     */
    public synchronized Result<CookieReply> consumeReply(CookieReply reply) {
        if (lastMac1 == null) {
            return Result.reject(Rejection.UNSOLICITED_COOKIE);
        }
        byte[] encrypted = reply.encryptedCookie();
        byte[] opened = Aead.xopen(cookieKey, reply.nonce(), encrypted, 0, encrypted.length, lastMac1);
        if (opened == null) {
            return Result.reject(Rejection.DECRYPTION_FAILED);
        }
        Wipe.bytes(cookie);
        cookie = opened;
        cookieReceived = clock.nanoTime();
        lastMac1 = null;
        return Result.accept(reply);
    }

    /** Whether a fresh cookie will go into the next message's mac2. */
    public synchronized boolean hasFreshCookie() {
        return cookie != null && clock.nanoTime() - cookieReceived < Protocol.COOKIE_REFRESH_TIME;
    }
}
