package dev.overlayd.routing.discovery;

import com.fasterxml.jackson.databind.JsonNode;
import dev.overlayd.node.plugin.Plugin;
import dev.overlayd.node.plugin.PluginConfigException;
import dev.overlayd.node.plugin.PluginProvider;

/** The {@code discovery:} section of overlay.yaml turns service discovery on; without it, it does not run. */
public final class DiscoveryProvider implements PluginProvider {
    @Override
    public String section() {
        return "discovery";
    }

    @Override
    public Plugin create(JsonNode section) throws PluginConfigException {
        return section == null ? null : new DiscoveryPlugin(DiscoveryConfig.parse(section));
    }
}
