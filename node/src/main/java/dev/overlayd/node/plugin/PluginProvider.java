package dev.overlayd.node.plugin;

import com.fasterxml.jackson.databind.JsonNode;

/**
 * Makes a plugin from its section of overlay.yaml. Providers are found with {@link java.util.ServiceLoader}
 * (META-INF/services/dev.overlayd.node.plugin.PluginProvider), so the node knows no plugin by name.
 */
public interface PluginProvider {
    /** The top-level key of overlay.yaml that configures this plugin, e.g. {@code containers}. */
    String section();

    /**
     * The plugin as its section configures it, or null when it is not to run (typically: no section).
     *
     * @param section the section as written, null when overlay.yaml has none
     * @throws PluginConfigException naming what is wrong in the section, in the words of overlay.yaml
     */
    Plugin create(JsonNode section) throws PluginConfigException;
}
