package dev.overlayd.routing.edge;

import java.net.InetSocketAddress;
import com.google.common.net.InetAddresses;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.haproxy.HAProxyCommand;
import io.netty.handler.codec.haproxy.HAProxyMessage;
import io.netty.handler.codec.haproxy.HAProxyProtocolException;
import io.netty.handler.codec.haproxy.HAProxyProxiedProtocol;

/**
 * The balancer's PROXY header, as Netty's decoder read it, becomes the connection's
 * {@link ClientConnection}: the client it names, the balancer that is the socket's peer. A LOCAL
 * header (the balancer's own health check) and an UNKNOWN one name no client: null, never the
 * balancer's address in its place, or the audit log would call the balancer a client.
 */
final class ProxyHeader extends ChannelInboundHandlerAdapter {
    private final EdgeCounters counters;

    ProxyHeader(EdgeCounters counters) {
        this.counters = counters;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof HAProxyMessage header)) {
            ctx.fireChannelRead(msg);
            return;
        }
        try {
            ctx.channel().attr(ClientConnection.KEY).set(new ClientConnection(client(header),
                    (InetSocketAddress) ctx.channel().remoteAddress(), (InetSocketAddress) ctx.channel().localAddress(),
                    null, null, null));
        } finally {
            header.release();
        }
        ctx.pipeline().remove(this);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        if (cause instanceof HAProxyProtocolException) {
            counters.badProxyHeaders.increment();
            ctx.close();
        } else {
            ctx.fireExceptionCaught(cause);
        }
    }

    private static InetSocketAddress client(HAProxyMessage header) {
        if (header.command() != HAProxyCommand.PROXY) {
            return null;
        }
        HAProxyProxiedProtocol.AddressFamily family = header.proxiedProtocol().addressFamily();
        if (family != HAProxyProxiedProtocol.AddressFamily.AF_IPv4 && family != HAProxyProxiedProtocol.AddressFamily.AF_IPv6) {
            return null;
        }
        // The decoder has checked the address's syntax; forString never asks DNS.
        return new InetSocketAddress(InetAddresses.forString(header.sourceAddress()), header.sourcePort());
    }
}
