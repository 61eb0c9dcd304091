package dev.overlayd.peers;

import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * One restartable timer of a peer, like the kernel's mod_timer/del_timer: {@link #mod} (re)arms it,
 * {@link #del} disarms it, and a stale firing after either is ignored.
 */
final class Timer {
    private final ScheduledExecutorService scheduler;
    private final Runnable action;
    private ScheduledFuture<?> pending;
    private long generation;

    Timer(ScheduledExecutorService scheduler, Runnable action) {
        this.scheduler = scheduler;
        this.action = action;
    }

    synchronized void mod(long delayNanos) {
        cancel();
        long armed = ++generation;
        pending = scheduler.schedule(() -> fire(armed), Math.max(0, delayNanos), TimeUnit.NANOSECONDS);
    }

    synchronized void del() {
        cancel();
        generation++;
    }

    synchronized boolean isPending() {
        return pending != null;
    }

    private void fire(long armed) {
        synchronized (this) {
            if (armed != generation) {
                return;
            }
            pending = null;
        }
        action.run();
    }

    private void cancel() {
        if (pending != null) {
            pending.cancel(false);
            pending = null;
        }
    }
}
