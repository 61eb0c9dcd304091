package dev.overlayd.routing.edge;

import java.time.Instant;
import dev.overlayd.routing.audit.RequestLog;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.TooLongHttpHeaderException;
import io.netty.handler.codec.http.TooLongHttpLineException;
import io.netty.util.ReferenceCountUtil;

/**
 * What a client may send, checked before the request handler sees a request: a request the codec
 * could not read (400, 414 for a request line too long, 431 for headers too large), a version other
 * than HTTP/1.0 and 1.1 (505; the codec reads "HTTP/9.9" as one), a control character in the target
 * or no single Host in HTTP/1.1 (400), too many headers (431), a Content-Length over limits.body
 * (413), a transfer coding other than chunked (501). Each is answered, logged and the connection (or
 * HTTP/2 stream) closed, as nothing after a bad request can be trusted to be framed right. A chunked
 * body that grows past the limit was already passed on: the connection is closed.
 */
final class RequestLimits extends ChannelInboundHandlerAdapter {
    private final EdgeConfig.Limits limits;
    private final RequestLog log;
    private final EdgeCounters counters;
    private boolean refused;
    /** The bytes of the current request's body, counted when no Content-Length announced them; -1: not counting. */
    private long bodyBytes = -1;

    RequestLimits(EdgeConfig.Limits limits, RequestLog log, EdgeCounters counters) {
        this.limits = limits;
        this.log = log;
        this.counters = counters;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (refused) {
            ReferenceCountUtil.release(msg);
            return;
        }
        if (msg instanceof HttpRequest request && !admitted(ctx, request)) {
            ReferenceCountUtil.release(msg);
            return;
        }
        if (msg instanceof HttpContent content) {
            if (content.decoderResult().isFailure()) {
                refused = true;
                ReferenceCountUtil.release(msg);
                ctx.close();
                return;
            }
            if (bodyBytes >= 0 && (bodyBytes += content.content().readableBytes()) > limits.body()) {
                refused = true;
                counters.bodiesTooLarge.increment();
                ReferenceCountUtil.release(msg);
                ctx.close();
                return;
            }
        }
        ctx.fireChannelRead(msg);
    }

    private boolean admitted(ChannelHandlerContext ctx, HttpRequest request) {
        Instant started = Instant.now();
        DecoderResult result = request.decoderResult();
        if (result.isFailure()) {
            if (result.cause() instanceof TooLongHttpLineException) {
                return refuse(ctx, null, started, HttpResponseStatus.REQUEST_URI_TOO_LONG, "the request line is too long");
            }
            if (result.cause() instanceof TooLongHttpHeaderException) {
                return refuse(ctx, request, started, HttpResponseStatus.REQUEST_HEADER_FIELDS_TOO_LARGE, "the headers are too large");
            }
            // What the codec made of a request it could not read is a placeholder, not the client's.
            return refuse(ctx, null, started, HttpResponseStatus.BAD_REQUEST, "malformed request");
        }
        HttpVersion version = request.protocolVersion();
        if (version.majorVersion() != 1 || version.minorVersion() > 1) {
            return refuse(ctx, null, started, HttpResponseStatus.HTTP_VERSION_NOT_SUPPORTED, "only HTTP/1.0 and 1.1 are served");
        }
        if (hasControlCharacter(request.uri())) {
            return refuse(ctx, null, started, HttpResponseStatus.BAD_REQUEST, "a control character in the request target");
        }
        // RFC 9112 §3.2: exactly one Host in an HTTP/1.1 request, or a 400 (the codec made HTTP/2's :authority one).
        int hosts = request.headers().getAll(HttpHeaderNames.HOST).size();
        if (hosts > 1 || hosts == 0 && version.minorVersion() == 1) {
            return refuse(ctx, request, started, HttpResponseStatus.BAD_REQUEST, hosts == 0 ? "no Host header" : "more than one Host header");
        }
        if (request.uri().length() > limits.requestLine()) {
            return refuse(ctx, null, started, HttpResponseStatus.REQUEST_URI_TOO_LONG, "the request line is too long");
        }
        if (request.headers().size() > limits.headerCount()) {
            return refuse(ctx, request, started, HttpResponseStatus.REQUEST_HEADER_FIELDS_TOO_LARGE, "too many headers");
        }
        if (!onlyChunked(request)) {
            return refuse(ctx, request, started, HttpResponseStatus.NOT_IMPLEMENTED,
                    "chunked is the only transfer coding understood");
        }
        long length;
        try {
            length = HttpUtil.getContentLength(request, -1L);
        } catch (NumberFormatException e) {
            return refuse(ctx, request, started, HttpResponseStatus.BAD_REQUEST, "malformed Content-Length");
        }
        if (length > limits.body()) {
            return refuse(ctx, request, started, HttpResponseStatus.REQUEST_ENTITY_TOO_LARGE, "the body is too large");
        }
        if (length >= 0) {
            // Leading zeros are valid (RFC 9110 8.6) but an upstream that caps the digits it reads would
            // frame the body otherwise than the edge did: the proxy passes on the one length it read.
            request.headers().set(HttpHeaderNames.CONTENT_LENGTH, length);
        }
        bodyBytes = length < 0 ? 0 : -1;
        return true;
    }

    private static boolean hasControlCharacter(String target) {
        for (int i = 0; i < target.length(); i++) {
            char c = target.charAt(i);
            if (c < 0x21 || c == 0x7f) {
                return true;
            }
        }
        return false;
    }

    /**
     * Whether the request's transfer codings are chunked alone: the proxy takes chunked off and frames the
     * body anew, so any other coding (gzip before chunked, which the codec lets by) would reach the
     * upstream as bytes it was never told how to read (RFC 9112 6.1: 501).
     */
    private static boolean onlyChunked(HttpRequest request) {
        for (String codings : request.headers().getAll(HttpHeaderNames.TRANSFER_ENCODING)) {
            for (String coding : codings.split(",")) {
                String name = coding.strip();
                if (!name.isEmpty() && !name.equalsIgnoreCase("chunked")) {
                    return false;
                }
            }
        }
        return true;
    }

    private boolean refuse(ChannelHandlerContext ctx, HttpRequest request, Instant started, HttpResponseStatus status,
                           String detail) {
        refused = true;
        counters.rejected.increment();
        EdgeAnswer.send(ctx, log, request, started, ErrorResponse.of(status, detail), true);
        return false;
    }
}
