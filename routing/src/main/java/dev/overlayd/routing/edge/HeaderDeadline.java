package dev.overlayd.routing.edge;

import java.time.Duration;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelPromise;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.LastHttpContent;

/**
 * The slowloris bound: from the connection's start, and from the end of each response, a request's
 * headers must be complete within timeouts.request_headers, or the connection is cut off. Netty
 * has no such timer (an idle timeout is reset by every byte a dribbling client sends). It also
 * knows how many requests are in flight, which the idle timeout asks.
 */
final class HeaderDeadline extends ChannelDuplexHandler {
    private final Duration timeout;
    private final EdgeCounters counters;
    private ScheduledFuture<?> expiry;
    private int inFlight;
    /** Whether the response being written is an interim one (100 Continue), after which the request goes on. */
    private boolean interim;

    HeaderDeadline(Duration timeout, EdgeCounters counters) {
        this.timeout = timeout;
        this.counters = counters;
    }

    /** Requests whose headers were read and whose response is not written to its end yet. */
    int inFlight() {
        return inFlight;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        arm(ctx);
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) {
        disarm();
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof HttpRequest) {
            inFlight++;
            disarm();
        }
        ctx.fireChannelRead(msg);
    }

    @Override
    public void write(ChannelHandlerContext ctx, Object msg, ChannelPromise promise) {
        if (msg instanceof HttpResponse response) {
            int code = response.status().code();
            interim = code >= 100 && code < 200 && code != 101;
        }
        if (msg instanceof LastHttpContent && !interim && inFlight > 0 && --inFlight == 0) {
            arm(ctx);
        }
        ctx.write(msg, promise);
    }

    private void arm(ChannelHandlerContext ctx) {
        disarm();
        expiry = ctx.executor().schedule(() -> {
            counters.headerDeadlines.increment();
            ctx.close();
        }, timeout.toNanos(), TimeUnit.NANOSECONDS);
    }

    private void disarm() {
        if (expiry != null) {
            expiry.cancel(false);
            expiry = null;
        }
    }
}
