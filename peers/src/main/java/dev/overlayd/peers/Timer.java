package dev.overlayd.peers;

import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * One restartable timer of a peer, like the kernel's mod_timer/del_timer: {@link #mod} (re)arms it,
 * {@link #del} disarms it, and a stale firing after either is ignored.
 *
 * <p>The data path re-arms and disarms timers for nearly every packet, so both only move a deadline.
 * The scheduler hears of it only when a deadline comes earlier than the task already waiting; a task
 * that wakes before its timer's deadline (it was moved later) sleeps again for the rest. Scheduling
 * and cancelling executor tasks per packet cost a lock and often a wake-up of the timer thread each.
 */
final class Timer {
    private final ScheduledExecutorService scheduler;
    private final Runnable action;
    private boolean armed;
    /** System.nanoTime() at which an armed timer expires. */
    private long deadline;
    /** The task that will look at this timer next, null when none waits. */
    private ScheduledFuture<?> task;
    private long taskDue;
    private long generation;

    Timer(ScheduledExecutorService scheduler, Runnable action) {
        this.scheduler = scheduler;
        this.action = action;
    }

    synchronized void mod(long delayNanos) {
        long now = System.nanoTime();
        deadline = now + Math.max(0, delayNanos);
        armed = true;
        if (task == null || deadline - taskDue < 0) {
            cancelTask();
            schedule(deadline - now);
        }
    }

    synchronized void del() {
        armed = false;
    }

    synchronized boolean isPending() {
        return armed;
    }

    /** Disarms the timer and drops its task for good, so that a removed peer is not kept alive by it. */
    synchronized void stop() {
        armed = false;
        cancelTask();
    }

    private void schedule(long delayNanos) {
        long token = ++generation;
        taskDue = System.nanoTime() + delayNanos;
        task = scheduler.schedule(() -> fire(token), delayNanos, TimeUnit.NANOSECONDS);
    }

    private void cancelTask() {
        if (task != null) {
            task.cancel(false);
            task = null;
        }
    }

    private void fire(long token) {
        synchronized (this) {
            if (token != generation) {
                return;
            }
            task = null;
            if (!armed) {
                return;
            }
            long remaining = deadline - System.nanoTime();
            if (remaining > 0) {
                schedule(remaining);
                return;
            }
            armed = false;
        }
        action.run();
    }
}
