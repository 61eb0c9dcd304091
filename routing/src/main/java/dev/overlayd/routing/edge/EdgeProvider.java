package dev.overlayd.routing.edge;

import com.fasterxml.jackson.databind.JsonNode;
import dev.overlayd.node.plugin.Plugin;
import dev.overlayd.node.plugin.PluginConfigException;
import dev.overlayd.node.plugin.PluginProvider;

/** The {@code edge:} section of overlay.yaml turns the request router on; without it, it does not run. */
public final class EdgeProvider implements PluginProvider {
    @Override
    public String section() {
        return "edge";
    }

    @Override
    public Plugin create(JsonNode section) throws PluginConfigException {
        return section == null ? null : new EdgePlugin(EdgeConfig.parse(section));
    }
}
