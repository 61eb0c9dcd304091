package dev.overlayd.routing.proxy;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.ReferenceCountUtil;

/**
 * The last handler of a connection to a copy: what the copy sends goes to the request that holds the
 * connection now. An idle connection in the pool has none: anything it sends then is out of turn,
 * and the connection is closed.
 */
final class UpstreamHandler extends ChannelInboundHandlerAdapter {
    /** The request a connection serves. */
    interface Owner {
        void upstreamRead(Object msg);

        void upstreamReadComplete();

        void upstreamWritable();

        /** The connection closed or failed ({@code cause} null: closed). */
        void upstreamClosed(Throwable cause);
    }

    private Owner owner;
    private boolean served;

    void attach(Owner now) {
        owner = now;
    }

    /** The response is read to its end and the connection goes back to the pool. */
    void detach() {
        owner = null;
        served = true;
    }

    /** Whether the connection served a request before: a copy may close such a one at any moment. */
    boolean reused() {
        return served;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (owner == null) {
            ReferenceCountUtil.release(msg);
            ctx.close();
            return;
        }
        owner.upstreamRead(msg);
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        if (owner != null) {
            owner.upstreamReadComplete();
        }
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        if (owner != null && ctx.channel().isWritable()) {
            owner.upstreamWritable();
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        Owner o = owner;
        owner = null;
        if (o != null) {
            o.upstreamClosed(null);
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        Owner o = owner;
        owner = null;
        ctx.close();
        if (o != null) {
            o.upstreamClosed(cause);
        }
    }
}
