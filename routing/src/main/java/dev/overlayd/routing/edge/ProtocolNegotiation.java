package dev.overlayd.routing.edge;

import java.util.function.Supplier;
import dev.overlayd.routing.audit.RequestLog;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.ssl.ApplicationProtocolNegotiationHandler;
import io.netty.handler.ssl.SniCompletionEvent;
import io.netty.handler.ssl.SslHandler;

/**
 * Once the TLS handshake is done: the connection learns its TLS version, SNI name and ALPN protocol,
 * and gets the HTTP/2 or HTTP/1.1 handlers the client chose (HTTP/1.1 when it chose none).
 */
final class ProtocolNegotiation extends ApplicationProtocolNegotiationHandler {
    private final EdgeConfig config;
    private final RequestLog log;
    private final EdgeCounters counters;
    private final Supplier<ChannelHandler> requests;
    private String serverName;

    ProtocolNegotiation(EdgeConfig config, RequestLog log, EdgeCounters counters, Supplier<ChannelHandler> requests) {
        super(ApplicationProtocolNames.HTTP_1_1);
        this.config = config;
        this.log = log;
        this.counters = counters;
        this.requests = requests;
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object evt) throws Exception {
        if (evt instanceof SniCompletionEvent sni) {
            serverName = sni.hostname();
        }
        super.userEventTriggered(ctx, evt);
    }

    @Override
    protected void configurePipeline(ChannelHandlerContext ctx, String protocol) {
        SslHandler tls = ctx.pipeline().get(SslHandler.class);
        ClientConnection connection = ctx.channel().attr(ClientConnection.KEY).get();
        ctx.channel().attr(ClientConnection.KEY).set(
                connection.withTls(tls.engine().getSession().getProtocol(), serverName, protocol));
        switch (protocol) {
            case ApplicationProtocolNames.HTTP_2 -> Http2Pipeline.add(ctx.pipeline(), ctx.name(), config, log, counters, requests);
            case ApplicationProtocolNames.HTTP_1_1 -> Http1Pipeline.add(ctx.pipeline(), ctx.name(), config, log, counters, requests.get());
            default -> ctx.close();
        }
    }

    @Override
    protected void handshakeFailure(ChannelHandlerContext ctx, Throwable cause) {
        // A scanner's or an old client's failure is theirs: counted, not logged with a trace.
        counters.tlsFailures.increment();
        ctx.close();
    }
}
