package dev.overlayd.routing.discovery;

import java.util.function.Consumer;
import dev.overlayd.node.plugin.Subscription;

/**
 * The service catalog as other plugins of the node see it (the request router follows it): it is
 * provided through {@link dev.overlayd.node.plugin.PluginContext#provide} by the discovery plugin.
 */
public interface Catalog {
    /** The instances now. */
    CatalogSnapshot snapshot();

    /**
     * {@code listener} hears the catalog now, then each new one after every change; called one at a
     * time from the discovery's thread, so it must not block.
     */
    Subscription watch(Consumer<CatalogSnapshot> listener);
}
