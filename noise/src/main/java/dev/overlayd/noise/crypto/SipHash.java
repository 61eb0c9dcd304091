package dev.overlayd.noise.crypto;

/**
 * SipHash-2-4 of a single 64-bit word, for hash tables whose keys an attacker picks: without the
 * secret key it cannot aim its keys at one bucket and turn every lookup into a long walk.
 */
public final class SipHash {
    private SipHash() {}

    /** The hash of the eight bytes of {@code message} read little-endian, under the key (k0, k1). */
    public static long hash(long k0, long k1, long message) {
        long v0 = k0 ^ 0x736f6d6570736575L;
        long v1 = k1 ^ 0x646f72616e646f6dL;
        long v2 = k0 ^ 0x6c7967656e657261L;
        long v3 = k1 ^ 0x7465646279746573L;
        // The final block of an eight-byte message: no tail bytes, and the length in the top byte.
        long last = 8L << 56;
        v3 ^= message;
        for (int round = 0; round < 8; round++) {
            if (round == 2) {
                v0 ^= message;
                v3 ^= last;
            } else if (round == 4) {
                v0 ^= last;
                v2 ^= 0xff;
            }
            v0 += v1;
            v1 = Long.rotateLeft(v1, 13) ^ v0;
            v0 = Long.rotateLeft(v0, 32);
            v2 += v3;
            v3 = Long.rotateLeft(v3, 16) ^ v2;
            v0 += v3;
            v3 = Long.rotateLeft(v3, 21) ^ v0;
            v2 += v1;
            v1 = Long.rotateLeft(v1, 17) ^ v2;
            v2 = Long.rotateLeft(v2, 32);
        }
        return v0 ^ v1 ^ v2 ^ v3;
    }
}
