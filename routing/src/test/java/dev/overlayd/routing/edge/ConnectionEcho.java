package dev.overlayd.routing.edge;

import java.nio.charset.StandardCharsets;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.ReferenceCountUtil;

/**
 * The tests' request handler in place of the proxy: answers 200 with what the edge knows of the
 * connection, one {@code key=value} a line, and the TLS engine's class.
 */
final class ConnectionEcho extends ChannelInboundHandlerAdapter {
    private String path;

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        try {
            if (msg instanceof HttpRequest request) {
                path = request.uri();
            }
            if (msg instanceof LastHttpContent) {
                ClientConnection c = ClientConnection.of(ctx.channel());
                String body = "client=" + c.client() + "\nbalancer=" + c.balancer() + "\nlocal=" + c.local()
                        + "\ntls=" + c.tls() + "\nsni=" + c.sni() + "\nalpn=" + c.alpn() + "\npath=" + path
                        + "\nengine=" + engine(ctx.channel()) + "\n";
                FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK,
                        Unpooled.copiedBuffer(body, StandardCharsets.UTF_8));
                response.headers().setInt(HttpHeaderNames.CONTENT_LENGTH, response.content().readableBytes());
                ctx.writeAndFlush(response);
            }
        } finally {
            ReferenceCountUtil.release(msg);
        }
    }

    private static String engine(Channel channel) {
        Channel connection = channel instanceof Http2StreamChannel ? channel.parent() : channel;
        SslHandler tls = connection.pipeline().get(SslHandler.class);
        return tls == null ? null : tls.engine().getClass().getName();
    }
}
