package dev.overlayd.membership.gossip;

import java.net.InetSocketAddress;
import java.security.MessageDigest;
import java.security.SecureRandom;
import java.util.Arrays;
import dev.overlayd.noise.Clock;
import org.bouncycastle.crypto.digests.Blake2sDigest;

/**
 * The member's side of a join's cookie round trip, as WireGuard's cookie: before a member keeps
 * any state for a join, the joiner must echo a MAC over its own address, port and exchange id under
 * a secret that changes every {@link #ROTATE_NANOS}. Only a source that receives at its address gets
 * one, so a flood of first messages from forged addresses costs the member one MAC each and no
 * memory. Sans-I/O, used from one thread. Enrolment (dev.overlayd.membership.enrolment) asks for one the same way.
 */
public final class JoinCookies {
    public static final int LENGTH = 16;
    static final long ROTATE_NANOS = 120_000_000_000L;

    private final Clock clock;
    private final SecureRandom random;
    private byte[] secret = new byte[32];
    private byte[] previous = new byte[32];
    private long rotatedAt;

    public JoinCookies(Clock clock, SecureRandom random) {
        this.clock = clock;
        this.random = random;
        random.nextBytes(secret);
        random.nextBytes(previous);
        rotatedAt = clock.nanoTime();
    }

    /** The cookie {@code source} must send with exchange {@code id}. */
    public byte[] cookie(InetSocketAddress source, int id) {
        rotate();
        return mac(secret, source, id);
    }

    /** Whether {@code cookie} is one this member handed {@code source} for exchange {@code id} lately. */
    public boolean valid(byte[] cookie, InetSocketAddress source, int id) {
        rotate();
        return MessageDigest.isEqual(cookie, mac(secret, source, id)) || MessageDigest.isEqual(cookie, mac(previous, source, id));
    }

    private void rotate() {
        long now = clock.nanoTime();
        if (now - rotatedAt >= ROTATE_NANOS) {
            Arrays.fill(previous, (byte) 0);
            previous = secret;
            secret = new byte[32];
            random.nextBytes(secret);
            rotatedAt = now;
        }
    }

    private static byte[] mac(byte[] key, InetSocketAddress source, int id) {
        Blake2sDigest mac = new Blake2sDigest(key, LENGTH, null, null);
        byte[] address = source.getAddress().getAddress();
        mac.update(address, 0, address.length);
        byte[] rest = {(byte) (source.getPort() >>> 8), (byte) source.getPort(),
            (byte) (id >>> 24), (byte) (id >>> 16), (byte) (id >>> 8), (byte) id};
        mac.update(rest, 0, rest.length);
        byte[] out = new byte[LENGTH];
        mac.doFinal(out, 0);
        return out;
    }
}
