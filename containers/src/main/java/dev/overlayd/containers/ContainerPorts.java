package dev.overlayd.containers;

import java.io.IOException;

/**
 * The ports of this node that its containers may reach on the node's own addresses: none but
 * those offered here (the discovery's DNS server, say), however the host's services listen.
 * The containers plugin provides it to the other plugins ({@link dev.overlayd.node.plugin.PluginContext#use}).
 */
public interface ContainerPorts {
    /** @param protocol {@code tcp} or {@code udp} */
    void offer(String protocol, int port) throws IOException;

    /** Takes back an offer; one not made is no error. */
    void withdraw(String protocol, int port) throws IOException;
}
