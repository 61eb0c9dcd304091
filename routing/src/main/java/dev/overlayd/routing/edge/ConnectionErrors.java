package dev.overlayd.routing.edge;

import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;

/**
 * The last handler of every client pipeline: an error nobody before it handled (a reset, bytes that
 * are not TLS) closes the connection with a line at debug level, instead of Netty's warning and
 * stack trace for every misbehaving client on the internet.
 */
@ChannelHandler.Sharable
final class ConnectionErrors extends ChannelInboundHandlerAdapter {
    private static final Logger LOG = System.getLogger(ConnectionErrors.class.getName());
    static final ConnectionErrors INSTANCE = new ConnectionErrors();

    private ConnectionErrors() {}

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        Throwable root = cause.getCause() != null ? cause.getCause() : cause;
        LOG.log(Level.DEBUG, "edge: closed a connection from {0}: {1}", ctx.channel().remoteAddress(), root.toString());
        ctx.close();
    }
}
