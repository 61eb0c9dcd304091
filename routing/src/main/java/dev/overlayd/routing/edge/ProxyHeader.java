package dev.overlayd.routing.edge;

import java.net.InetSocketAddress;
import com.google.common.net.InetAddresses;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.DecoderException;
import io.netty.handler.codec.haproxy.HAProxyCommand;
import io.netty.handler.codec.haproxy.HAProxyMessage;
import io.netty.handler.codec.haproxy.HAProxyProxiedProtocol;
import io.netty.util.ReferenceCountUtil;

/**
 * The balancer's PROXY header, as Netty's decoder read it, becomes the connection's
 * {@link ClientConnection}: the client it names, the balancer that is the socket's peer. A LOCAL
 * header (the balancer's own health check) and an UNKNOWN one name no client: null, never the
 * balancer's address in its place, or the audit log would call the balancer a client.
 */
final class ProxyHeader extends ChannelInboundHandlerAdapter {
    private final EdgeCounters counters;
    /**
     * A header was bad: the connection is closing, but Netty's decoder goes on reading what is left
     * when the input closes, and must not get to name a client with a header after the bad one.
     */
    private boolean refused;

    ProxyHeader(EdgeCounters counters) {
        this.counters = counters;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (refused) {
            ReferenceCountUtil.release(msg);
            return;
        }
        if (!(msg instanceof HAProxyMessage header)) {
            ctx.fireChannelRead(msg);
            return;
        }
        try {
            InetSocketAddress client;
            try {
                client = client(header);
            } catch (IllegalArgumentException e) {
                // Netty's v1 decoder lets by addresses that are none ("2.013.013.7": leading zeros, octal to some).
                refuse(ctx);
                return;
            }
            ctx.channel().attr(ClientConnection.KEY).set(new ClientConnection(client,
                    (InetSocketAddress) ctx.channel().remoteAddress(), (InetSocketAddress) ctx.channel().localAddress(),
                    null, null, null));
        } finally {
            header.release();
        }
        ctx.pipeline().remove(this);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        // Only the decoder before this handler throws a DecoderException here; besides its own
        // HAProxyProtocolException it lets a bare IndexOutOfBoundsException out, wrapped, for a v2
        // TLV longer than the header that holds it.
        if (cause instanceof DecoderException) {
            refuse(ctx);
        } else {
            ctx.fireExceptionCaught(cause);
        }
    }

    private void refuse(ChannelHandlerContext ctx) {
        if (!refused) {
            refused = true;
            counters.badProxyHeaders.increment();
        }
        ctx.close();
    }

    private static InetSocketAddress client(HAProxyMessage header) {
        if (header.command() != HAProxyCommand.PROXY) {
            return null;
        }
        HAProxyProxiedProtocol.AddressFamily family = header.proxiedProtocol().addressFamily();
        if (family != HAProxyProxiedProtocol.AddressFamily.AF_IPv4 && family != HAProxyProxiedProtocol.AddressFamily.AF_IPv6) {
            return null;
        }
        // forString never asks DNS; it throws for what is not an address literal.
        return new InetSocketAddress(InetAddresses.forString(header.sourceAddress()), header.sourcePort());
    }
}
