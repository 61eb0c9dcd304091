package dev.overlayd.peers;

import java.net.InetSocketAddress;

/**
 * Messages of a type WireGuard never uses, sharing the device's UDP port: cluster membership joins
 * a new node through the port its peers already know. A stock WireGuard peer drops them as an
 * unknown type, so they cost interoperability nothing.
 */
public interface SideChannel {
    /** The first byte of this channel's messages; WireGuard's types are 1 to 4. */
    byte type();

    /**
     * One message, on the bind's receive thread: the buffer is valid only during the call, so a
     * channel copies what it keeps and hands work that takes long to its own thread.
     */
    void receive(byte[] buf, int off, int len, InetSocketAddress from);
}
