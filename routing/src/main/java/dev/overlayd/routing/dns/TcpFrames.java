package dev.overlayd.routing.dns;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.socket.DatagramPacket;
import io.netty.handler.codec.MessageToMessageDecoder;
import java.net.InetSocketAddress;
import java.util.List;

/**
 * One framed TCP message as a datagram from the connection's peer, so TCP queries go through the
 * same {@link QueryDecoder} as UDP ones (Netty's TcpDnsQueryDecoder is final and throws away the id
 * of a query it cannot read).
 */
final class TcpFrames extends MessageToMessageDecoder<ByteBuf> {
    TcpFrames() {
        super(ByteBuf.class);
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf frame, List<Object> out) {
        out.add(new DatagramPacket(frame.retain(), (InetSocketAddress) ctx.channel().localAddress(),
                (InetSocketAddress) ctx.channel().remoteAddress()));
    }
}
