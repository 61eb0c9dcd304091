package dev.overlayd.noise;

import java.util.Arrays;

/**
 * TAI64N timestamps for handshake initiations: 8 bytes of TAI seconds and 4 of nanoseconds,
 * big-endian, with the low 24 nanosecond bits cleared so that the timestamp does not leak a
 * precise clock reading.
 */
public final class Tai64n {
    public static final int LENGTH = 12;
    private static final long TAI_BASE = 0x400000000000000aL;
    private static final int WHITENER_MASK = 0xffffff;

    private Tai64n() {}

    public static byte[] of(long epochNanos) {
        long seconds = Math.floorDiv(epochNanos, 1_000_000_000L);
        int nanos = (int) Math.floorMod(epochNanos, 1_000_000_000L) & ~WHITENER_MASK;
        byte[] out = new byte[LENGTH];
        long tai = TAI_BASE + seconds;
        for (int i = 0; i < 8; i++) {
            out[i] = (byte) (tai >>> (56 - 8 * i));
        }
        for (int i = 0; i < 4; i++) {
            out[8 + i] = (byte) (nanos >>> (24 - 8 * i));
        }
        return out;
    }

    /** Whether {@code a} is strictly later than {@code b}; anything is later than no timestamp. */
    public static boolean isAfter(byte[] a, byte[] b) {
        return b == null || Arrays.compareUnsigned(a, b) > 0;
    }
}
