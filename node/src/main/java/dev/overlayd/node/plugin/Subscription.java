package dev.overlayd.node.plugin;

/** Stops what was subscribed to; closing twice is harmless. */
public interface Subscription extends AutoCloseable {
    @Override
    void close();
}
