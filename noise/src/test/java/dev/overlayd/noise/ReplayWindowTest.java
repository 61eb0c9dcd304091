package dev.overlayd.noise;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.HashSet;
import java.util.Random;
import java.util.Set;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

class ReplayWindowTest {
    private static final long LIMIT = Protocol.REJECT_AFTER_MESSAGES;
    private static final long WINDOW = 8128;
    /** Counters the ring of 128 blocks of 64 bits can tell apart: one ring position per counter mod 8192. */
    private static final long RING = 128 * 64;

    private final ReplayWindow window = new ReplayWindow();

    private boolean accept(long counter) {
        return window.accept(counter, LIMIT);
    }

    @Test
    void windowSizeIsThatOfWireGuard() {
        assertEquals(WINDOW, ReplayWindow.WINDOW_SIZE);
    }

    @Test
    void acceptsCountersInOrderEachOnce() {
        for (long c = 0; c < 3 * RING; c++) {
            assertTrue(accept(c), "first " + c);
            assertFalse(accept(c), "duplicate " + c);
        }
    }

    @Test
    void rejectsDuplicatesOfTheHighestAndOfOlderCounters() {
        assertTrue(accept(0));
        assertTrue(accept(1));
        assertTrue(accept(2));
        assertFalse(accept(0));
        assertFalse(accept(1));
        assertFalse(accept(2));
        assertTrue(accept(100));
        assertFalse(accept(100));
        assertFalse(accept(2));
    }

    @Test
    void acceptsOutOfOrderCountersInsideTheWindowOnce() {
        assertTrue(accept(5000));
        for (long c = 4999; c >= 5000 - 64; c--) {
            assertTrue(accept(c), "late " + c);
        }
        for (long c = 4990; c >= 5000 - 64; c--) {
            assertFalse(accept(c), "late duplicate " + c);
        }
        // A gap left behind stays acceptable until the window passes it.
        assertTrue(accept(4000));
        assertTrue(accept(7000));
        assertTrue(accept(3001));
        assertFalse(accept(3001));
        assertFalse(accept(5000));
    }

    @Test
    void rejectsCountersMoreThan8128BehindTheHighest() {
        assertTrue(accept(20_000));
        assertFalse(accept(20_000 - WINDOW - 1));
        assertFalse(accept(20_000 - WINDOW - 64));
        assertFalse(accept(0));
        assertTrue(accept(20_000 - 1));
    }

    /** The edge at every offset within a block, so that both the block and the bit arithmetic are covered. */
    @ParameterizedTest
    @ValueSource(longs = {8128, 8129, 8191, 8192, 8193, 10_000, 10_047, 1L << 40, (1L << 40) + 63,
            Long.MAX_VALUE, Long.MIN_VALUE + 5, LIMIT - 1})
    void acceptsExactlyAtTheWindowEdgeAndRejectsOnePast(long last) {
        assertTrue(accept(last));
        assertFalse(accept(last - WINDOW - 1), "last - 8129");
        assertTrue(accept(last - WINDOW), "last - 8128");
        assertFalse(accept(last - WINDOW), "last - 8128 twice");
        assertFalse(accept(last - WINDOW - 1), "last - 8129 again");
    }

    @Test
    void forgetsWhatItSawOnceAJumpCarriesTheWindowPastIt() {
        long old = 5;
        assertTrue(accept(old));
        // Far beyond a whole ring: every block must be cleared, the old position's included.
        long sameSlot = old + 3 * RING;
        assertTrue(accept(sameSlot + 100));
        assertTrue(accept(sameSlot), "counter at the ring position of an old one");
        assertFalse(accept(sameSlot));
        assertFalse(accept(old));
    }

    @Test
    void clearsOnlyTheBlocksItMovesInto() {
        for (long c = 0; c < RING; c++) {
            assertTrue(accept(c));
        }
        // The next block wraps onto the ring position of counters 0..63: moving into it must clear it.
        assertTrue(accept(RING + 3));
        for (long c = RING; c < RING + 64; c++) {
            assertEquals(c != RING + 3, accept(c), "counter " + c);
        }
        // Counters of the last ring that are still in the window stay remembered.
        for (long c = RING + 64 - WINDOW; c < RING; c++) {
            assertFalse(accept(c), "seen " + c);
        }
        // Another one-block step clears the position of 64..127 (now behind the window) and nothing
        // else: 129, exactly at the window's edge, is still remembered.
        assertTrue(accept(RING + 64 + 1));
        assertTrue(accept(RING + 64));
        assertFalse(accept(RING + 64 + 1 - WINDOW - 1));
        assertFalse(accept(RING + 64 + 1 - WINDOW));
    }

    @Test
    void acceptsUpToOneBelowTheLimit() {
        assertTrue(accept(LIMIT - 1));
        assertFalse(accept(LIMIT - 1));
        assertFalse(accept(LIMIT));
        assertTrue(accept(LIMIT - 2));
    }

    /** The limit is 2^64 - 2^13 - 1 unsigned, a negative long: everything from it up to -1L is out. */
    @ParameterizedTest
    @ValueSource(longs = {LIMIT, LIMIT + 1, LIMIT + 8191, -2L, -1L})
    void rejectsCountersAtOrAboveTheLimitCompareUnsigned(long counter) {
        assertTrue(accept(LIMIT - 10));
        assertFalse(accept(counter));
        // A rejected counter must not have moved the window.
        assertTrue(accept(LIMIT - 10 - WINDOW));
    }

    @Test
    void rejectsCountersAtOrAboveTheLimitOnAFreshWindow() {
        assertFalse(accept(-1L));
        assertFalse(accept(LIMIT));
        assertTrue(accept(0));
    }

    @Test
    void ordersCountersAcrossTheSignBitUnsigned() {
        long high = Long.MIN_VALUE + 10; // 2^63 + 10
        assertTrue(accept(Long.MAX_VALUE));
        assertTrue(accept(high));
        assertTrue(accept(Long.MAX_VALUE - 5), "2^63 - 6 is 16 behind 2^63 + 10");
        assertFalse(accept(Long.MAX_VALUE));
    }

    /**
     * A counter 2^63 or more behind the highest is far outside the window. Compared signed, such a
     * distance is negative and passes "last - counter > 8128". The last two cases are distances of
     * 2^63 + 1 and 2^63 - 1 (exactly 2^63 would share the highest counter's bit in the ring).
     */
    @ParameterizedTest
    @ValueSource(longs = {0, 5, 1L << 62, LIMIT - 2 - Long.MIN_VALUE, LIMIT - Long.MIN_VALUE})
    void rejectsCountersMoreThanHalfTheCounterSpaceBehind(long oldCounter) {
        assertTrue(accept(LIMIT - 1));
        assertFalse(accept(oldCounter), "counter " + Long.toUnsignedString(oldCounter)
                + " is " + Long.toUnsignedString(LIMIT - 1 - oldCounter) + " behind the highest");
    }

    // ---- randomized comparison with the obvious model

    /** What the window promises, written the slow and obvious way. */
    private static final class Model {
        private final Set<Long> seen = new HashSet<>();
        private long max;

        boolean accept(long counter) {
            if (Long.compareUnsigned(counter, LIMIT) >= 0 || seen.contains(counter)) {
                return false;
            }
            boolean ahead = Long.compareUnsigned(counter, max) > 0;
            if (!ahead && Long.compareUnsigned(max - counter, WINDOW) > 0) {
                return false;
            }
            seen.add(counter);
            if (ahead) {
                max = counter;
            }
            return true;
        }
    }

    /**
     * Episodes that start at different heights of the counter space (the top one right below the
     * limit); in each, counters mostly around the moving maximum (late, on time, just past the
     * window edge), bursts of consecutive counters, replays of recent ones, and jumps of every size.
     * The two low episodes stay below 2^63, so no distance reaches 2^63; the two high ones draw
     * counters from the whole space, half of them 2^63 or more behind the maximum.
     */
    @ParameterizedTest
    @ValueSource(longs = {0, 1L << 32, Long.MAX_VALUE - 30_000, LIMIT - 60_000})
    void agreesWithAModelOnRandomCounters(long start) {
        Random random = new Random(0x5EED_0000L ^ start);
        ReplayWindow window = new ReplayWindow();
        Model model = new Model();
        Deque<Long> recent = new ArrayDeque<>();
        long steps = 0;
        while (steps < 40_000) {
            long base = steps == 0 ? start : model.max;
            long[] counters = draw(random, base, recent);
            for (long counter : counters) {
                boolean expected = model.accept(counter);
                boolean actual = window.accept(counter, LIMIT);
                if (expected != actual) {
                    assertEquals(expected, actual, "step " + steps + ": counter "
                            + Long.toUnsignedString(counter) + " with highest "
                            + Long.toUnsignedString(model.max));
                }
                recent.addFirst(counter);
                if (recent.size() > 64) {
                    recent.removeLast();
                }
                steps++;
            }
        }
    }

    private static long[] draw(Random random, long max, Deque<Long> recent) {
        int kind = random.nextInt(100);
        if (kind < 55) { // around the maximum, crossing the window edge
            return new long[] {max + random.nextInt(8400) - 8300};
        } else if (kind < 70) { // a burst of consecutive counters
            long first = max + random.nextInt(200) - 100;
            long[] burst = new long[1 + random.nextInt(300)];
            for (int i = 0; i < burst.length; i++) {
                burst[i] = first + i;
            }
            return burst;
        } else if (kind < 80) { // replays
            return recent.isEmpty() ? new long[] {max}
                    : new long[] {recent.stream().skip(random.nextInt(recent.size())).findFirst().orElseThrow()};
        } else if (kind < 90) { // just past the edge, exactly at it, and a little ahead
            return new long[] {max - WINDOW - random.nextInt(3), max - WINDOW, max + 1 + random.nextInt(64)};
        } else if (kind < 95) { // jumps forward by up to a few rings
            return new long[] {max + random.nextInt(4 * (int) RING)};
        } else if (kind < 98) { // big jumps forward
            return new long[] {max + (random.nextLong() >>> (24 + random.nextInt(36)))};
        } else if (Long.compareUnsigned(max, 1L << 62) < 0) { // anything in the lowest quarter
            return new long[] {random.nextLong() >>> 2};
        } else { // anything at all: far behind, far ahead, past the limit
            return new long[] {random.nextLong()};
        }
    }
}
