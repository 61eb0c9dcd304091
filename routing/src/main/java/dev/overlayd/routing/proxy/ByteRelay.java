package dev.overlayd.routing.proxy;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.util.ReferenceCountUtil;

/**
 * Bytes both ways between a client and a copy once a WebSocket upgrade is answered, with read
 * backpressure as netty's HexDumpProxy does it: each side reads again only while the other can take
 * what it writes. When either side closes, the other is closed once what it was sent is flushed.
 */
final class ByteRelay extends ChannelInboundHandlerAdapter {
    /** Hears the end of the relay once, with the bytes each way. */
    interface Done {
        void relayed(long fromClient, long toClient);
    }

    private final Channel peer;
    private final Tally tally;
    private final boolean fromClient;

    private ByteRelay(Channel peer, Tally tally, boolean fromClient) {
        this.peer = peer;
        this.tally = tally;
        this.fromClient = fromClient;
    }

    /** What both directions share: the counts and the one call at the end. */
    private static final class Tally {
        final Done done;
        long fromClient;
        long toClient;
        boolean finished;

        Tally(Done done) {
            this.done = done;
        }
    }

    /** Handlers for the client's and the copy's pipelines (both on one event loop), relaying to each other. */
    static ByteRelay[] pair(Channel client, Channel upstream, Done done) {
        Tally tally = new Tally(done);
        return new ByteRelay[] {new ByteRelay(upstream, tally, true), new ByteRelay(client, tally, false)};
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        if (ctx.channel().isActive()) {
            ctx.read();
        }
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof ByteBuf bytes)) {
            ReferenceCountUtil.release(msg);
            return;
        }
        if (fromClient) {
            tally.fromClient += bytes.readableBytes();
        } else {
            tally.toClient += bytes.readableBytes();
        }
        peer.write(bytes).addListener(ChannelFutureListener.FIRE_EXCEPTION_ON_FAILURE);
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        peer.flush();
        if (peer.isWritable()) {
            ctx.read();
        }
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        // This side can take writes again: the peer, which writes here, may read again.
        if (ctx.channel().isWritable()) {
            peer.read();
        }
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (peer.isActive()) {
            peer.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
        }
        if (!tally.finished) {
            tally.finished = true;
            tally.done.relayed(tally.fromClient, tally.toClient);
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        ctx.close();
    }
}
