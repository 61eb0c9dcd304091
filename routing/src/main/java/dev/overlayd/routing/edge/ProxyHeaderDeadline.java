package dev.overlayd.routing.edge;

import java.time.Duration;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.haproxy.HAProxyMessage;

/**
 * Closes a connection whose PROXY header is not complete in time: Netty's decoder waits forever.
 * Sits after the decoder, so the first message it sees is the whole header; then it steps aside.
 */
final class ProxyHeaderDeadline extends ChannelInboundHandlerAdapter {
    private final Duration timeout;
    private final EdgeCounters counters;
    private ScheduledFuture<?> expiry;

    ProxyHeaderDeadline(Duration timeout, EdgeCounters counters) {
        this.timeout = timeout;
        this.counters = counters;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        expiry = ctx.executor().schedule(() -> {
            counters.proxyHeaderTimeouts.increment();
            ctx.close();
        }, timeout.toNanos(), TimeUnit.NANOSECONDS);
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        expiry.cancel(false);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof HAProxyMessage) {
            ctx.pipeline().remove(this);
        }
        ctx.fireChannelRead(msg);
    }
}
