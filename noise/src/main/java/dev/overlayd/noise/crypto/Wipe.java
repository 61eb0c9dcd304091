package dev.overlayd.noise.crypto;

import java.util.Arrays;

/** Overwrites retired key material so it does not linger in the heap until the next collection. */
public final class Wipe {
    private Wipe() {}

    public static void bytes(byte[]... arrays) {
        for (byte[] array : arrays) {
            if (array != null) {
                Arrays.fill(array, (byte) 0);
            }
        }
    }

    public static boolean isZero(byte[] array) {
        int acc = 0;
        for (byte b : array) {
            acc |= b;
        }
        return acc == 0;
    }
}
