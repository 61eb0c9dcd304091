package dev.overlayd.noise;

/**
 * Whether the device is under load for the cookie rule: once the handshake queue reaches 128
 * messages, it stays under load for a second after the last time it did.
 */
public final class UnderLoad {
    private final Clock clock;
    private long lastOverloaded;
    private boolean everOverloaded;

    public UnderLoad(Clock clock) {
        this.clock = clock;
    }

    public synchronized boolean update(int queuedHandshakes) {
        long now = clock.nanoTime();
        if (queuedHandshakes >= Protocol.UNDER_LOAD_QUEUE_SIZE) {
            lastOverloaded = now;
            everOverloaded = true;
        }
        return everOverloaded && now - lastOverloaded < Protocol.UNDER_LOAD_AFTER_TIME;
    }
}
