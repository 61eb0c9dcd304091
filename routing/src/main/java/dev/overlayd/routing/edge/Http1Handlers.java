package dev.overlayd.routing.edge;

import java.util.List;
import io.netty.channel.ChannelPipeline;

/**
 * The handlers the edge puts before the request handler on an HTTP/1.1 connection, all of which
 * speak HTTP objects: once a WebSocket upgrade is answered with 101, the request handler takes them
 * out and relays raw bytes both ways.
 */
public final class Http1Handlers {
    /** The codec, the limits on what a client sends, the header deadline and the idle timeout, as the edge names them. */
    public static final List<String> NAMES = List.of("http-codec", "request-limits", "header-deadline", "idle");

    private Http1Handlers() {}

    /** Leaves {@code pipeline} carrying bytes: every one of those handlers that it has is removed. */
    public static void remove(ChannelPipeline pipeline) {
        for (String name : NAMES) {
            if (pipeline.get(name) != null) {
                pipeline.remove(name);
            }
        }
    }
}
