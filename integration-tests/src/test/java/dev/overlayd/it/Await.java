package dev.overlayd.it;

import java.time.Duration;
import java.util.function.Supplier;

/**
 * Waiting for something the system under test does in its own time. The bound only turns a hang
 * into a failure: it is generous and never what a test asserts.
 */
final class Await {
    private Await() {}

    @FunctionalInterface
    interface Check {
        boolean holds() throws Exception;
    }

    static void until(String what, Duration bound, Check check) throws Exception {
        until(what, bound, check, () -> "");
    }

    /** Polls {@code check} until it holds; fails with {@code what} and {@code details} after {@code bound}. */
    static void until(String what, Duration bound, Check check, Supplier<String> details) throws Exception {
        long deadline = System.nanoTime() + bound.toNanos();
        while (!check.holds()) {
            if (System.nanoTime() - deadline > 0) {
                throw new AssertionError("still waiting, after " + bound.toSeconds() + " s, for " + what + "\n"
                        + details.get());
            }
            Thread.sleep(100);
        }
    }
}
