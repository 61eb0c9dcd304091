package dev.overlayd.routing.edge;

import java.time.Instant;
import com.google.common.net.HostAndPort;
import com.google.common.net.InetAddresses;
import com.google.common.net.InternetDomainName;
import dev.overlayd.routing.audit.RequestLog;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.util.ReferenceCountUtil;

/**
 * The plain-HTTP port's only answer: 308 to the same host and path over HTTPS (308, not 301, so a
 * POST stays a POST). The Host header must be a host name or address and the path a URL's, so a
 * client cannot make the redirect point anywhere odd; the port is left out, the balancer's HTTPS port being 443.
 */
final class HttpsRedirect extends ChannelInboundHandlerAdapter {
    private final RequestLog log;

    HttpsRedirect(RequestLog log) {
        this.log = log;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        try {
            if (msg instanceof HttpRequest request) {
                answer(ctx, request);
            }
        } finally {
            ReferenceCountUtil.release(msg);
        }
    }

    private void answer(ChannelHandlerContext ctx, HttpRequest request) {
        Instant started = Instant.now();
        String host = host(request.headers().get(HttpHeaderNames.HOST));
        if (host == null || !path(request.uri())) {
            EdgeAnswer.send(ctx, log, request, started,
                    ErrorResponse.of(HttpResponseStatus.BAD_REQUEST, "a Host header and a path are needed"), true);
            return;
        }
        FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.PERMANENT_REDIRECT);
        response.headers().set(HttpHeaderNames.LOCATION, "https://" + host + request.uri())
                .setInt(HttpHeaderNames.CONTENT_LENGTH, 0);
        EdgeAnswer.send(ctx, log, request, started, response, !HttpUtil.isKeepAlive(request));
    }

    /**
     * Whether {@code uri} is a path that can go into a Location header as it is: visible ASCII only
     * (a URL's characters); the codec passes on any byte but CR, LF and space, NUL among them.
     */
    private static boolean path(String uri) {
        return uri.startsWith("/") && uri.chars().allMatch(c -> c > 0x20 && c < 0x7f);
    }

    /** The host of a Host header as a URL writes it, or null if it is not a name or an address. */
    private static String host(String header) {
        if (header == null) {
            return null;
        }
        try {
            String host = HostAndPort.fromString(header.strip()).getHost();
            if (InetAddresses.isInetAddress(host)) {
                return host.contains(":") ? "[" + host + "]" : host;
            }
            return InternetDomainName.isValid(host) ? host : null;
        } catch (IllegalArgumentException e) {
            return null;
        }
    }
}
