package dev.overlayd.routing.proxy;

import java.util.ArrayDeque;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpDecoderConfig;
import dev.overlayd.routing.edge.EdgeConfig;

/**
 * Keep-alive connections to the copies, one set per event loop: a request takes a connection of its
 * client's own loop, so neither a connection nor its buffers ever cross threads (Netty's channel
 * pools are not loop-bound: netty#4715), and a deque per copy is all the state there is. Netty's
 * FixedChannelPool would add a limit on active connections, hence a queue of waiting requests,
 * which a proxy does not want (the copy's backlog is the queue), and promises on every acquire.
 * At most {@code idlePerLoop} idle connections per copy and loop are kept; those of a copy that
 * leaves the catalog are closed.
 */
final class UpstreamPool {
    static final String CODEC = "upstream-codec";
    static final String HANDLER = "upstream";

    private final EdgeConfig config;
    private final Map<EventLoop, Map<String, ArrayDeque<Channel>>> idle = new ConcurrentHashMap<>();
    private volatile boolean closed;

    UpstreamPool(EdgeConfig config) {
        this.config = config;
    }

    /** A connection to {@code copy} on {@code loop}: an idle one, else a new one (its future fails if the connect does). Called on {@code loop}. */
    ChannelFuture acquire(EventLoop loop, Copy copy) {
        ArrayDeque<Channel> kept = loopIdle(loop).get(copy.id);
        while (kept != null && !kept.isEmpty()) {
            Channel c = kept.pollFirst();
            if (c.isActive()) {
                return c.newSucceededFuture();
            }
        }
        return new Bootstrap().group(loop).channel(EpollSocketChannel.class)
                .option(ChannelOption.AUTO_READ, false)
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, (int) config.timeouts().upstreamConnect().toMillis())
                .handler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel ch) {
                        // A copy is not a client on the internet, but a bounded header is still no harm.
                        ch.pipeline().addLast(CODEC, new HttpClientCodec(new HttpDecoderConfig()
                                .setMaxInitialLineLength(8192).setMaxHeaderSize(64 * 1024), false, false));
                        ch.pipeline().addLast(HANDLER, new UpstreamHandler());
                    }
                })
                .connect(copy.address());
    }

    /** {@code channel}, its response read to the end with keep-alive allowed, may serve another request. Called on its loop. */
    void release(Copy copy, Channel channel) {
        ((UpstreamHandler) channel.pipeline().get(HANDLER)).detach();
        ArrayDeque<Channel> kept = loopIdle(channel.eventLoop()).computeIfAbsent(copy.id, id -> new ArrayDeque<>());
        if (closed || copy.retired || !channel.isActive() || kept.size() >= config.upstreams().idlePerLoop()) {
            channel.close();
            return;
        }
        kept.addFirst(channel);
        channel.closeFuture().addListener(f -> kept.remove(channel));
        // A read pending while it is idle is how a close by the copy (or a stray byte) is noticed.
        channel.read();
    }

    /** The copies {@code ids} left the catalog: their idle connections are closed, on each loop. */
    void retire(Collection<String> ids) {
        for (Map.Entry<EventLoop, Map<String, ArrayDeque<Channel>>> e : idle.entrySet()) {
            e.getKey().execute(() -> {
                for (String id : ids) {
                    ArrayDeque<Channel> kept = e.getValue().remove(id);
                    if (kept != null) {
                        closeAll(kept);
                    }
                }
            });
        }
    }

    void close() {
        closed = true;
        for (Map.Entry<EventLoop, Map<String, ArrayDeque<Channel>>> e : idle.entrySet()) {
            if (!e.getKey().isShuttingDown()) {
                e.getKey().execute(() -> {
                    e.getValue().values().forEach(UpstreamPool::closeAll);
                    e.getValue().clear();
                });
            }
        }
    }

    /** Each close takes its channel out of {@code kept} (its close listener): they are taken out first. */
    private static void closeAll(ArrayDeque<Channel> kept) {
        for (Channel c; (c = kept.pollFirst()) != null; ) {
            c.close();
        }
    }

    private Map<String, ArrayDeque<Channel>> loopIdle(EventLoop loop) {
        // Only the loop itself reads or changes its map, so a plain HashMap is enough.
        return idle.computeIfAbsent(loop, l -> new HashMap<>());
    }
}
