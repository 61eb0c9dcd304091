package dev.overlayd.node;

import dev.overlayd.peers.Bind;
import dev.overlayd.peers.Endpoint;

/** A bind for a device that is never brought up in a test: it opens nothing and sends nothing. */
public final class NoBind implements Bind {
    @Override
    public int open(int port, Receiver receiver) {
        return port;
    }

    @Override
    public void send(byte[] buf, int off, int len, Endpoint to) {}

    @Override
    public void close() {}
}
