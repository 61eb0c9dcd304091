package dev.overlayd.routing.edge;

import java.nio.charset.StandardCharsets;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpVersion;

/**
 * The answers the edge gives itself (400, 404, 413, 431, 502, 503, 504): the status and one line
 * for a person, in plain text. Never a stack trace, an internal address or a container's name:
 * the client is on the internet.
 */
public final class ErrorResponse {
    private ErrorResponse() {}

    /**
     * @param detail what went wrong, in words a client may read (e.g. "no route for this host and path");
     *               null for the status's own phrase alone
     */
    public static FullHttpResponse of(HttpResponseStatus status, String detail) {
        String text = status.code() + " " + status.reasonPhrase() + (detail == null ? "" : ": " + detail) + "\n";
        FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status,
                Unpooled.copiedBuffer(text, StandardCharsets.UTF_8));
        response.headers()
                .set(HttpHeaderNames.CONTENT_TYPE, HttpHeaderValues.TEXT_PLAIN + "; charset=utf-8")
                .setInt(HttpHeaderNames.CONTENT_LENGTH, response.content().readableBytes())
                .set(HttpHeaderNames.CACHE_CONTROL, HttpHeaderValues.NO_STORE);
        return response;
    }
}
