package dev.overlayd.containers;

import static org.junit.jupiter.api.Assertions.fail;

import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

/** Polls for what a test waits on from dockerd or the agent, which happen on their own threads. */
public final class Await {
    private Await() {}

    /** Fails the test, saying {@code what}, when the condition has not held within a minute. */
    public static void until(Supplier<Boolean> condition, Supplier<String> what) {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(60);
        while (!condition.get()) {
            if (System.nanoTime() > deadline) {
                fail("never happened: " + what.get());
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                fail(e);
            }
        }
    }
}
