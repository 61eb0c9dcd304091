package dev.overlayd.routing.edge;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import dev.overlayd.routing.audit.RequestLog;
import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.ByteToMessageDecoder;
import io.netty.handler.codec.http.HttpResponseStatus;

/**
 * Refuses a second PROXY header after the balancer's: a balancer such as AWS's NLB passes on one
 * that the client itself sent, which must not get to name a client. It only peeks at the first
 * bytes after the balancer's header (a v1 "PROXY " or the v2 signature) and then steps aside,
 * handing them on untouched.
 */
final class SecondProxyHeader extends ByteToMessageDecoder {
    private static final byte[] V1 = "PROXY ".getBytes(StandardCharsets.US_ASCII);
    private static final byte[] V2 = {0x0D, 0x0A, 0x0D, 0x0A, 0x00, 0x0D, 0x0A, 0x51, 0x55, 0x49, 0x54, 0x0A};

    private final EdgeCounters counters;
    /** On the plain-HTTP port: answer 400 through the HTTP codec; null on the TLS port, where only closing is possible. */
    private final RequestLog answerLog;
    private boolean refused;

    SecondProxyHeader(EdgeCounters counters, RequestLog answerLog) {
        this.counters = counters;
        this.answerLog = answerLog;
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, ByteBuf in, List<Object> out) {
        if (refused) {
            in.skipBytes(in.readableBytes());
            return;
        }
        byte[] signature = in.isReadable() && in.getByte(in.readerIndex()) == V1[0] ? V1 : V2;
        int n = Math.min(in.readableBytes(), signature.length);
        for (int i = 0; i < n; i++) {
            if (in.getByte(in.readerIndex() + i) != signature[i]) {
                ctx.pipeline().remove(this);
                return;
            }
        }
        if (n < signature.length) {
            return;
        }
        refused = true;
        in.skipBytes(in.readableBytes());
        counters.secondProxyHeaders.increment();
        if (answerLog != null) {
            EdgeAnswer.send(ctx.pipeline().context(Http1Pipeline.LIMITS), answerLog, null, Instant.now(),
                    ErrorResponse.of(HttpResponseStatus.BAD_REQUEST, "a PROXY header may come from the balancer only"), true);
        } else {
            ctx.close();
        }
    }
}
