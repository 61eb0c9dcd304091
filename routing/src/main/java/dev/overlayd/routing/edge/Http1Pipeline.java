package dev.overlayd.routing.edge;

import dev.overlayd.routing.audit.RequestLog;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http.HttpDecoderConfig;
import io.netty.handler.codec.http.HttpServerCodec;

/** An HTTP/1.1 connection's handlers, named as {@link Http1Handlers} names them, then the request handler. */
final class Http1Pipeline {
    static final String CODEC = Http1Handlers.NAMES.get(0);
    static final String LIMITS = Http1Handlers.NAMES.get(1);
    static final String DEADLINE = Http1Handlers.NAMES.get(2);
    static final String IDLE = Http1Handlers.NAMES.get(3);
    static final String REQUESTS = "requests";

    private Http1Pipeline() {}

    /** Adds them to {@code pipeline} before the handler named {@code before}. */
    static void add(ChannelPipeline pipeline, String before, EdgeConfig config, RequestLog log, EdgeCounters counters,
                    ChannelHandler requests) {
        HttpDecoderConfig decoder = new HttpDecoderConfig()
                .setMaxInitialLineLength(config.limits().requestLine())
                .setMaxHeaderSize(config.limits().headerSize());
        HeaderDeadline deadline = new HeaderDeadline(config.timeouts().requestHeaders(), counters);
        pipeline.addBefore(before, CODEC, new HttpServerCodec(decoder))
                .addBefore(before, LIMITS, new RequestLimits(config.limits(), log, counters))
                .addBefore(before, DEADLINE, deadline)
                .addBefore(before, IDLE, new IdleTimeout(config.timeouts().idle(), deadline::inFlight, counters))
                .addBefore(before, REQUESTS, requests);
    }
}
