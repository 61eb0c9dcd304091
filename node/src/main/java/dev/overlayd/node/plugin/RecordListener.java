package dev.overlayd.node.plugin;

import java.util.Map;

/** What a plugin hears of its records through {@link PluginContext#onRecords}. */
public interface RecordListener {
    /**
     * All of {@code member}'s records for this plugin as they are now, replacing what the last call
     * said of that member; empty when it has none or is gone. Called for this node too, by its name.
     */
    void records(String member, Map<String, byte[]> records);
}
