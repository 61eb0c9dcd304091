package dev.overlayd.routing.proxy;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Collection;
import java.util.HashMap;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
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
 * {@code idlePerLoop} idle connections per copy and loop are kept for good; more are kept while the
 * load needs them: those beyond that many which stayed idle through a whole {@link #PURGE} period
 * are closed then (HAProxy's idle pools shrink so too). Closing each released connection beyond the
 * bound instead churns them whenever more requests are in flight than that, as HTTP/2 clients with
 * many streams do: a new connection, and a socket in TIME_WAIT, for most requests. Those of a copy
 * that leaves the catalog are closed.
 */
final class UpstreamPool {
    static final String CODEC = "upstream-codec";
    static final String HANDLER = "upstream";
    static final Duration PURGE = Duration.ofSeconds(1);

    private final EdgeConfig config;
    private final Map<EventLoop, Map<String, Idle>> idle = new ConcurrentHashMap<>();
    private final Queue<Future<?>> purges = new ConcurrentLinkedQueue<>();
    private volatile boolean closed;

    UpstreamPool(EdgeConfig config) {
        this.config = config;
    }

    /**
     * A connection to {@code copy} on {@code loop}: an idle one unless {@code fresh}, else a new one
     * (its future fails if the connect does). Called on {@code loop}.
     */
    ChannelFuture acquire(EventLoop loop, Copy copy, boolean fresh) {
        Idle kept = fresh ? null : loopIdle(loop).get(copy.id);
        for (Channel c; kept != null && (c = kept.take()) != null; ) {
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
        Idle kept = loopIdle(channel.eventLoop()).computeIfAbsent(copy.id, id -> new Idle());
        if (closed || copy.retired || !channel.isActive() || config.upstreams().idlePerLoop() == 0) {
            channel.close();
            return;
        }
        kept.channels.addFirst(channel);
        channel.closeFuture().addListener(f -> kept.channels.remove(channel));
        // A read pending while it is idle is how a close by the copy (or a stray byte) is noticed.
        channel.read();
    }

    /** The copies {@code ids} left the catalog: their idle connections are closed, on each loop. */
    void retire(Collection<String> ids) {
        for (Map.Entry<EventLoop, Map<String, Idle>> e : idle.entrySet()) {
            e.getKey().execute(() -> {
                for (String id : ids) {
                    Idle kept = e.getValue().remove(id);
                    if (kept != null) {
                        closeAll(kept.channels);
                    }
                }
            });
        }
    }

    void close() {
        closed = true;
        purges.forEach(p -> p.cancel(false));
        for (Map.Entry<EventLoop, Map<String, Idle>> e : idle.entrySet()) {
            if (!e.getKey().isShuttingDown()) {
                e.getKey().execute(() -> {
                    e.getValue().values().forEach(kept -> closeAll(kept.channels));
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

    private Map<String, Idle> loopIdle(EventLoop loop) {
        // Only the loop itself reads or changes its map, so a plain HashMap is enough.
        return idle.computeIfAbsent(loop, l -> {
            Map<String, Idle> copies = new HashMap<>();
            purges.add(l.scheduleWithFixedDelay(() -> purge(copies), PURGE.toNanos(), PURGE.toNanos(), TimeUnit.NANOSECONDS));
            return copies;
        });
    }

    /** Closes, on one loop, the connections beyond idlePerLoop that no request needed since the last purge. */
    private void purge(Map<String, Idle> copies) {
        for (Idle kept : copies.values()) {
            int surplus = Math.min(kept.low, kept.channels.size() - config.upstreams().idlePerLoop());
            // The least recently used first: connections are taken from the front.
            for (int i = 0; i < surplus; i++) {
                kept.channels.pollLast().close();
            }
            kept.low = kept.channels.size();
        }
    }

    /** A copy's idle connections on one loop, most recently used first, and the fewest there were since the last purge. */
    private static final class Idle {
        final ArrayDeque<Channel> channels = new ArrayDeque<>();
        int low;

        Channel take() {
            Channel c = channels.pollFirst();
            low = Math.min(low, channels.size());
            return c;
        }
    }
}
