package dev.overlayd.node.plugin;

import java.io.IOException;

/**
 * Something that runs on the mesh, beside the node: it is made from its own section of overlay.yaml
 * before the node starts (so a bad section stops the start), started once the node has joined the
 * cluster, and closed before the node leaves. It sees the node only through its {@link PluginContext}.
 */
public interface Plugin extends AutoCloseable {
    /** Called once, from the node's starting thread, after the node has joined. */
    void start(PluginContext context) throws IOException;

    /**
     * The operator asked the node to reload (SIGHUP, as logrotate and certificate renewals send it):
     * reopen files, read certificates again. Called from the signal's thread; must not throw.
     */
    default void reload() {}

    /** Stops whatever the plugin runs; called once, before the node leaves the cluster. Must not throw. */
    @Override
    void close();
}
