package dev.overlayd.routing.dns;

import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.timeout.IdleStateEvent;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The bounds of one TCP connection, right after its IdleStateHandler: at most {@code limit} connections at a
 * time (beyond, closed at once), closed when idle, and not read while
 * its answers are not being read (a client that only writes cannot fill our memory).
 */
final class TcpConnection extends ChannelDuplexHandler {
    private final AtomicInteger open;
    private final int limit;
    private final DnsCounters counters;

    TcpConnection(AtomicInteger open, int limit, DnsCounters counters) {
        this.open = open;
        this.limit = limit;
        this.counters = counters;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) throws Exception {
        if (open.incrementAndGet() > limit) {
            counters.dropped.increment();
            ctx.close();
            return;
        }
        super.channelActive(ctx);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        open.decrementAndGet();
        super.channelInactive(ctx);
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object event) throws Exception {
        if (event instanceof IdleStateEvent) {
            ctx.close();
            return;
        }
        super.userEventTriggered(ctx, event);
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) throws Exception {
        ctx.channel().config().setAutoRead(ctx.channel().isWritable());
        super.channelWritabilityChanged(ctx);
    }
}
