package dev.overlayd.containers;

import com.fasterxml.jackson.databind.JsonNode;
import dev.overlayd.node.plugin.Plugin;
import dev.overlayd.node.plugin.PluginConfigException;
import dev.overlayd.node.plugin.PluginProvider;

/** The {@code containers:} section of overlay.yaml turns the plugin on; without it, it does not run. */
public final class ContainersProvider implements PluginProvider {
    @Override
    public String section() {
        return "containers";
    }

    @Override
    public Plugin create(JsonNode section) throws PluginConfigException {
        return section == null ? null : new ContainersPlugin(ContainersConfig.parse(section));
    }
}
