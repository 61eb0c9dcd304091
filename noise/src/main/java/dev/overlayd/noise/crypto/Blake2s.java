package dev.overlayd.noise.crypto;

import org.bouncycastle.crypto.digests.Blake2sDigest;
import org.bouncycastle.crypto.macs.HMac;
import org.bouncycastle.crypto.params.KeyParameter;

/**
 * The BLAKE2s constructions WireGuard uses: HASH (BLAKE2s-256), MAC (keyed BLAKE2s with a 16-byte
 * output, not HMAC) and HMAC/KDF (RFC 2104 HMAC over BLAKE2s-256). Handshake path only: these
 * allocate freely.
 */
public final class Blake2s {
    public static final int HASH_LENGTH = 32;
    public static final int MAC_LENGTH = 16;

    private Blake2s() {}

    public static byte[] hash(byte[]... parts) {
        Blake2sDigest digest = new Blake2sDigest(256);
        for (byte[] part : parts) {
            digest.update(part, 0, part.length);
        }
        byte[] out = new byte[HASH_LENGTH];
        digest.doFinal(out, 0);
        return out;
    }

    /** MAC(key, data[off, off+len)): keyed BLAKE2s-128, the construction of mac1, mac2 and cookies. */
    public static byte[] mac(byte[] key, byte[] data, int off, int len) {
        Blake2sDigest digest = new Blake2sDigest(key, MAC_LENGTH, null, null);
        digest.update(data, off, len);
        byte[] out = new byte[MAC_LENGTH];
        digest.doFinal(out, 0);
        return out;
    }

    public static byte[] hmac(byte[] key, byte[]... parts) {
        HMac hmac = new HMac(new Blake2sDigest(256));
        hmac.init(new KeyParameter(key));
        for (byte[] part : parts) {
            hmac.update(part, 0, part.length);
        }
        byte[] out = new byte[HASH_LENGTH];
        hmac.doFinal(out, 0);
        return out;
    }

    /**
     * KDFn(key, input): {@code prk = HMAC(key, input)}, {@code T1 = HMAC(prk, 0x01)},
     * {@code Ti = HMAC(prk, T(i-1) || i)}; returns T1..Tn.
     */
    public static byte[][] kdf(int n, byte[] key, byte[] input) {
        if (n < 1 || n > 3) {
            throw new IllegalArgumentException("WireGuard derives 1 to 3 outputs, not " + n);
        }
        byte[] prk = hmac(key, input);
        byte[][] out = new byte[n][];
        byte[] previous = new byte[0];
        for (int i = 0; i < n; i++) {
            out[i] = hmac(prk, previous, new byte[] {(byte) (i + 1)});
            previous = out[i];
        }
        Wipe.bytes(prk);
        return out;
    }
}
