package dev.overlayd.peers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** The lazy timer: deadlines move without the scheduler, and only live deadlines fire, once. */
class TimerTest {
    private static final long MS = 1_000_000L;
    private final ScheduledThreadPoolExecutor scheduler = new ScheduledThreadPoolExecutor(1);
    private final Semaphore fired = new Semaphore(0);
    private final Timer timer;

    TimerTest() {
        scheduler.setRemoveOnCancelPolicy(true);
        timer = new Timer(scheduler, fired::release);
    }

    @AfterEach
    void stop() {
        scheduler.shutdownNow();
    }

    @Test
    void firesOnceAndIsNoLongerPending() throws InterruptedException {
        timer.mod(10 * MS);
        assertTrue(timer.isPending());
        assertTrue(fired.tryAcquire(5, TimeUnit.SECONDS));
        assertFalse(timer.isPending());
        assertFalse(fired.tryAcquire(200, TimeUnit.MILLISECONDS), "a second firing");
    }

    @Test
    void aDeletedTimerNeverFires() throws InterruptedException {
        timer.mod(10 * MS);
        timer.del();
        assertFalse(timer.isPending());
        assertFalse(fired.tryAcquire(300, TimeUnit.MILLISECONDS));
    }

    @Test
    void aDeadlineMovedLaterIsNotFiredAtTheOldOne() throws InterruptedException {
        timer.mod(10 * MS);
        timer.mod(60_000 * MS);
        assertFalse(fired.tryAcquire(300, TimeUnit.MILLISECONDS));
        assertTrue(timer.isPending());
        // The early task woke, saw the later deadline and went back to sleep: one task waits.
        assertEquals(1, scheduler.getQueue().size());
    }

    @Test
    void aDeadlineMovedEarlierFires() throws InterruptedException {
        timer.mod(60_000 * MS);
        timer.mod(10 * MS);
        assertTrue(fired.tryAcquire(5, TimeUnit.SECONDS));
        assertEquals(0, scheduler.getQueue().size(), "the later task was cancelled");
    }

    @Test
    void reArmingAfterDeleteFires() throws InterruptedException {
        timer.mod(60_000 * MS);
        timer.del();
        timer.mod(10 * MS);
        assertTrue(fired.tryAcquire(5, TimeUnit.SECONDS));
    }

    @Test
    void manyModsScheduleOneTask() {
        for (int i = 0; i < 10_000; i++) {
            timer.mod((60_000 + i) * MS);
            timer.del();
        }
        assertEquals(1, scheduler.getQueue().size());
    }

    @Test
    void stopDropsTheTask() throws InterruptedException {
        timer.mod(60_000 * MS);
        timer.stop();
        assertEquals(0, scheduler.getQueue().size());
        assertFalse(timer.isPending());
    }
}
