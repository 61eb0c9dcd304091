package dev.overlayd.containers.driver;

import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.nio.charset.StandardCharsets;

/**
 * One HTTP exchange of the plugin protocol: dockerd POSTs a call's JSON to /Plugin.Activate,
 * /NetworkDriver.* or /AuthZPlugin.*, and gets the answer with the plugin content type. A request that is not even
 * HTTP gets a 400 and the connection closed; the channel never sees an exception escape.
 */
final class DriverHttpHandler extends SimpleChannelInboundHandler<FullHttpRequest> {
    private static final Logger LOG = System.getLogger(DriverHttpHandler.class.getName());
    private static final byte[] NOT_HTTP = "{\"Err\":\"malformed HTTP request\"}".getBytes(StandardCharsets.UTF_8);
    private static final byte[] FAILED = "{\"Err\":\"internal error\"}".getBytes(StandardCharsets.UTF_8);
    private static final byte[] BAD_PATH = "{\"Err\":\"malformed path\"}".getBytes(StandardCharsets.UTF_8);
    private static final byte[] NOT_POST = "{\"Err\":\"plugin calls are POSTs\"}".getBytes(StandardCharsets.UTF_8);

    private final PluginCalls calls;

    DriverHttpHandler(PluginCalls calls) {
        this.calls = calls;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) {
        if (!request.decoderResult().isSuccess()) {
            LOG.log(Level.WARNING, "network driver: malformed HTTP request: {0}",
                    LogText.message(String.valueOf(request.decoderResult().cause())));
            reply(ctx, HttpResponseStatus.BAD_REQUEST, NOT_HTTP, false);
            return;
        }
        boolean keepAlive = HttpUtil.isKeepAlive(request);
        if (!HttpMethod.POST.equals(request.method())) {
            LOG.log(Level.WARNING, "network driver: {0} {1} refused: not a POST",
                    LogText.printable(request.method().name()), LogText.printable(request.uri()));
            reply(ctx, HttpResponseStatus.METHOD_NOT_ALLOWED, NOT_POST, keepAlive);
            return;
        }
        String path;
        try {
            path = new QueryStringDecoder(request.uri()).path();
        } catch (IllegalArgumentException e) {
            // A bad %-escape: it threw past this handler and the caller got no answer at all.
            LOG.log(Level.WARNING, "network driver: refused a malformed path: {0}", LogText.printable(request.uri()));
            reply(ctx, HttpResponseStatus.BAD_REQUEST, BAD_PATH, keepAlive);
            return;
        }
        // An answer may come later (a held start) and from another thread: Netty hands the write to
        // the channel's loop. dockerd's Go client never pipelines, so replies cannot cross.
        calls.answer(path, ByteBufUtil.getBytes(request.content())).whenComplete((answer, failure) -> {
            if (failure != null) {
                LOG.log(Level.ERROR, "plugin: {0} failed: {1}", LogText.printable(path), failure.toString());
                reply(ctx, HttpResponseStatus.INTERNAL_SERVER_ERROR, FAILED, false);
            } else {
                reply(ctx, HttpResponseStatus.valueOf(answer.status()), answer.body(), keepAlive);
            }
        });
    }

    static void reply(ChannelHandlerContext ctx, HttpResponseStatus status, byte[] body, boolean keepAlive) {
        FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, Unpooled.wrappedBuffer(body));
        response.headers().set(HttpHeaderNames.CONTENT_TYPE, RemoteApi.CONTENT_TYPE);
        HttpUtil.setContentLength(response, body.length);
        HttpUtil.setKeepAlive(response, keepAlive);
        var written = ctx.writeAndFlush(response);
        if (!keepAlive) {
            written.addListener(ChannelFutureListener.CLOSE);
        }
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        // A client that went away, most likely; nothing to answer.
        LOG.log(Level.DEBUG, "network driver: connection closed: {0}", cause.toString());
        ctx.close();
    }
}
