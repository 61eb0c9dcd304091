package dev.overlayd.routing.edge;

import java.net.InetSocketAddress;
import java.util.function.Consumer;
import dev.overlayd.routing.audit.RequestLog;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.haproxy.HAProxyMessageDecoder;

/**
 * A client connection as the balancer hands it over, on either port: a source outside the trusted
 * ranges is closed before a byte is read; then the PROXY header, required, within its deadline, and
 * no second one; then what the port serves (TLS, or the redirect), added by {@code application}
 * before the last handler, {@link #ERRORS}.
 */
final class ClientInitializer extends ChannelInitializer<Channel> {
    static final String ERRORS = "errors";

    private final EdgeConfig.ProxyProtocol proxyProtocol;
    private final UntrustedSources untrusted;
    private final EdgeCounters counters;
    /** Where a 400 for a second PROXY header is logged (the plain port); null: the connection is just closed (TLS). */
    private final RequestLog answerSecondHeader;
    private final Consumer<ChannelPipeline> application;

    ClientInitializer(EdgeConfig.ProxyProtocol proxyProtocol, UntrustedSources untrusted, EdgeCounters counters,
                      RequestLog answerSecondHeader, Consumer<ChannelPipeline> application) {
        this.proxyProtocol = proxyProtocol;
        this.untrusted = untrusted;
        this.counters = counters;
        this.answerSecondHeader = answerSecondHeader;
        this.application = application;
    }

    @Override
    protected void initChannel(Channel ch) {
        // A TCP connection in service; typed as any channel so that a test can drive the pipeline without one.
        InetSocketAddress peer = (InetSocketAddress) ch.remoteAddress();
        if (!proxyProtocol.trusts(peer.getAddress())) {
            untrusted.refused(peer);
            ch.close();
            return;
        }
        ChannelPipeline pipeline = ch.pipeline()
                .addLast("proxy-decoder", new HAProxyMessageDecoder())
                .addLast("proxy-deadline", new ProxyHeaderDeadline(proxyProtocol.timeout(), counters))
                .addLast("proxy-header", new ProxyHeader(counters))
                .addLast("second-proxy-header", new SecondProxyHeader(counters, answerSecondHeader))
                .addLast(ERRORS, ConnectionErrors.INSTANCE);
        application.accept(pipeline);
    }
}
