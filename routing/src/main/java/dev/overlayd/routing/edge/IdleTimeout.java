package dev.overlayd.routing.edge;

import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.function.IntSupplier;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.handler.timeout.IdleStateHandler;

/**
 * Closes a client connection that neither read nor wrote for timeouts.idle while no request was in
 * flight; a slow request is the upstream response timeout's business, not this one's.
 */
final class IdleTimeout extends IdleStateHandler {
    private final IntSupplier inFlight;
    private final EdgeCounters counters;

    /** @param inFlight the requests (HTTP/1.1) or streams (HTTP/2) open on the connection */
    IdleTimeout(Duration idle, IntSupplier inFlight, EdgeCounters counters) {
        super(false, 0, 0, idle.toNanos(), TimeUnit.NANOSECONDS);
        this.inFlight = inFlight;
        this.counters = counters;
    }

    @Override
    protected void channelIdle(ChannelHandlerContext ctx, IdleStateEvent evt) {
        if (inFlight.getAsInt() == 0) {
            counters.idleClosed.increment();
            ctx.close();
        }
    }
}
