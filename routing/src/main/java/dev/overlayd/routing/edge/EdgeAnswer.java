package dev.overlayd.routing.edge;

import java.time.Duration;
import java.time.Instant;
import dev.overlayd.routing.audit.AccessRecord;
import dev.overlayd.routing.audit.RequestLog;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpRequest;

/**
 * An answer the edge gives on its own (a refusal, a redirect): written, and accounted for in the
 * audit log like any request, with what is known of it.
 */
final class EdgeAnswer {
    private EdgeAnswer() {}

    /**
     * Writes {@code response} from {@code ctx} (so through the handlers before it, the HTTP codec among them).
     * @param request what was read of the request; null when not even its line could be
     * @param close   whether the connection ends with this answer
     */
    static void send(ChannelHandlerContext ctx, RequestLog log, HttpRequest request, Instant started,
                     FullHttpResponse response, boolean close) {
        ClientConnection connection = ClientConnection.of(ctx.channel());
        String uri = request == null ? null : request.uri();
        int query = uri == null ? -1 : uri.indexOf('?');
        String protocol = connection != null && "h2".equals(connection.alpn()) ? "HTTP/2.0"
                : request == null ? null : request.protocolVersion().text();
        log.completed(new AccessRecord(started, connection == null ? null : connection.client(),
                connection == null ? null : connection.balancer(), connection == null ? null : connection.tls(),
                connection == null ? null : connection.sni(), protocol,
                request == null ? null : request.method().name(),
                request == null ? null : request.headers().get(HttpHeaderNames.HOST),
                query < 0 ? uri : uri.substring(0, query), query < 0 ? null : uri.substring(query + 1),
                response.status().code(), 0, response.content().readableBytes(), Duration.between(started, Instant.now()),
                null, null, null, request == null ? null : request.headers().get("x-request-id")));
        if (close) {
            response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
            ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
        } else {
            ctx.writeAndFlush(response);
        }
    }
}
