package dev.overlayd.node.plugin;

/** A plugin's section of overlay.yaml is wrong; the message names the key and what it should be. */
public final class PluginConfigException extends Exception {
    public PluginConfigException(String message) {
        super(message);
    }
}
