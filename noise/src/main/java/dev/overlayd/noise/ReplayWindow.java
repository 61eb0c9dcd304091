package dev.overlayd.noise;

/**
 * The receive-side anti-replay window of RFC 6479: the highest counter seen and a ring of 128
 * 64-bit blocks, which accepts any counter within 8128 of the highest exactly once. Counters are
 * unsigned. Not thread-safe: the keypair serializes access.
 */
final class ReplayWindow {
    private static final int BLOCKS = 128;
    private static final int BLOCK_BITS = 64;
    static final long WINDOW_SIZE = (long) (BLOCKS - 1) * BLOCK_BITS;

    private final long[] blocks = new long[BLOCKS];
    private long last;

    /** Whether {@code counter} is new and below {@code limit}; if so, remembers it. */
    boolean accept(long counter, long limit) {
        if (Long.compareUnsigned(counter, limit) >= 0) {
            return false;
        }
        long block = counter >>> 6;
        if (Long.compareUnsigned(counter, last) > 0) {
            long current = last >>> 6;
            long toClear = Math.min(block - current, BLOCKS);
            for (long i = 1; i <= toClear; i++) {
                blocks[(int) ((current + i) & (BLOCKS - 1))] = 0;
            }
            last = counter;
        } else if (Long.compareUnsigned(last - counter, WINDOW_SIZE) > 0) {
            return false;
        }
        int index = (int) (block & (BLOCKS - 1));
        long bit = 1L << (counter & (BLOCK_BITS - 1));
        if ((blocks[index] & bit) != 0) {
            return false;
        }
        blocks[index] |= bit;
        return true;
    }
}
