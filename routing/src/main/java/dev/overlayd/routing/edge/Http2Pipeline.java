package dev.overlayd.routing.edge;

import java.util.function.Supplier;
import dev.overlayd.routing.audit.RequestLog;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http2.Http2FrameCodec;
import io.netty.handler.flush.FlushConsolidationHandler;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2Settings;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.codec.http2.Http2StreamFrameToHttpObjectCodec;

/**
 * An HTTP/2 connection's handlers: each stream gets a channel of its own that speaks HTTP/1 objects,
 * with the same limits and a request handler of its own. The header size limit is also announced
 * (SETTINGS_MAX_HEADER_LIST_SIZE) and enforced by the codec; Netty's bound on RST_STREAM floods
 * (CVE-2023-44487) is on by default and left so.
 */
final class Http2Pipeline {
    /** Streams a client may have open at once: what nginx and most servers allow. */
    static final int MAX_CONCURRENT_STREAMS = 128;

    private Http2Pipeline() {}

    /** Adds them to {@code pipeline} before the handler named {@code before}. */
    static void add(ChannelPipeline pipeline, String before, EdgeConfig config, RequestLog log, EdgeCounters counters,
                    Supplier<ChannelHandler> requests) {
        Http2FrameCodec codec = Http2FrameCodecBuilder.forServer()
                .initialSettings(Http2Settings.defaultSettings()
                        .maxHeaderListSize(config.limits().headerSize())
                        .maxConcurrentStreams(MAX_CONCURRENT_STREAMS))
                .build();
        // A stream's flush reaches the connection (a TLS record, a write) at once unless the connection
        // is reading: the responses of many streams, each read from its own copy's connection, are
        // flushed together at the end of the loop's turn instead.
        pipeline.addBefore(before, "h2-flushes", new FlushConsolidationHandler(
                        FlushConsolidationHandler.DEFAULT_EXPLICIT_FLUSH_AFTER_FLUSHES, true))
                .addBefore(before, "h2-codec", codec)
                .addBefore(before, Http1Pipeline.IDLE,
                        new IdleTimeout(config.timeouts().idle(), () -> codec.connection().numActiveStreams(), counters))
                .addBefore(before, "h2-streams", new Http2MultiplexHandler(new ChannelInitializer<Http2StreamChannel>() {
                    @Override
                    protected void initChannel(Http2StreamChannel stream) {
                        stream.pipeline()
                                .addLast(Http1Pipeline.CODEC, new Http2StreamFrameToHttpObjectCodec(true))
                                .addLast(Http1Pipeline.LIMITS, new RequestLimits(config.limits(), log, counters))
                                .addLast(Http1Pipeline.REQUESTS, requests.get())
                                .addLast(ClientInitializer.ERRORS, ConnectionErrors.INSTANCE);
                    }
                }));
    }
}
