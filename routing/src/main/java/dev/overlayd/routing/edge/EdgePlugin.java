package dev.overlayd.routing.edge;

import java.io.IOException;
import java.util.logging.Logger;
import dev.overlayd.node.plugin.Plugin;
import dev.overlayd.node.plugin.PluginContext;
import dev.overlayd.node.plugin.Subscription;
import dev.overlayd.routing.audit.Audit;
import dev.overlayd.routing.discovery.Catalog;
import dev.overlayd.routing.proxy.Proxy;

/**
 * Request routing: HTTPS from the balancer, TLS ended here, each request sent to a healthy copy of
 * its service on any node (the catalog of service discovery says where they are) and written to the
 * audit log; {@code overlayctl routes}; its meters on the node's registry ({@link PluginContext#metrics}).
 */
public final class EdgePlugin implements Plugin {
    private static final Logger LOG = Logger.getLogger(EdgePlugin.class.getName());

    private final EdgeConfig config;
    private Audit audit;
    private Proxy proxy;
    private Subscription catalog;
    private volatile Subscription watch;
    private EdgeServer server;

    public EdgePlugin(EdgeConfig config) {
        this.config = config;
    }

    @Override
    public void start(PluginContext context) throws IOException {
        try {
            audit = Audit.open(config.accessLog(), context.metrics());
            proxy = new Proxy(config, audit);
            // Without discovery there is no catalog: every route answers 503 until a plugin provides one.
            Proxy routes = proxy;
            catalog = context.use(Catalog.class, c -> watch = c.watch(routes::catalog));
            server = EdgeServer.start(config, audit, proxy::newHandler);
            server.counters().register(context.metrics());
            String name = context.self().name();
            context.addCommand("routes", argument -> proxy.status(name));
        } catch (IOException | RuntimeException e) {
            close();
            throw e;
        }
        LOG.info("edge: audit log " + config.accessLog().path());
    }

    @Override
    public void reload() {
        if (server != null) {
            server.reload();
        }
        if (audit != null) {
            audit.reopen();
        }
    }

    @Override
    public void close() {
        if (server != null) {
            server.close();
            server = null;
        }
        if (catalog != null) {
            catalog.close();
            catalog = null;
        }
        if (watch != null) {
            watch.close();
            watch = null;
        }
        if (proxy != null) {
            proxy.close();
            proxy = null;
        }
        if (audit != null) {
            audit.close();
            audit = null;
        }
    }
}
