package dev.overlayd.containers.docker;

import java.time.Duration;

/** The wait before each retry: {@code first}, doubling up to {@code max}, and back to {@code first} after a success. */
final class Backoff {
    private final Duration first;
    private final Duration max;
    private Duration next;

    Backoff(Duration first, Duration max) {
        this.first = first;
        this.max = max;
        this.next = first;
    }

    Duration next() {
        Duration wait = next;
        Duration doubled = next.multipliedBy(2);
        next = doubled.compareTo(max) > 0 ? max : doubled;
        return wait;
    }

    void reset() {
        next = first;
    }
}
