package dev.overlayd.routing.edge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.fail;

import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.overlayd.routing.audit.RecordingLog;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelInitializer;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http2.Http2Exception;
import io.netty.util.ReferenceCountUtil;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.List;

/**
 * An HTTP/2 connection as a client sends it once TLS is up (preface, then any frames), through the
 * edge's HTTP/2 handlers with a stand-in for the proxy on each stream that answers 502: no exception
 * but a client's protocol error gets to the last handler, and every request a stream hands on is
 * one the codec read whole.
 */
class EdgeHttp2FuzzTest {
    private static final byte[] PREFACE = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII);

    /**
     * Fails the run on any exception that would have reached the pipeline's last handler, but a
     * client's protocol error, which the codec has answered with GOAWAY before it tells the pipeline.
     */
    private static final class Unexpected extends ChannelInboundHandlerAdapter {
        Throwable cause;

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            if (this.cause == null && !(cause instanceof Http2Exception)) {
                this.cause = cause;
            }
            ctx.fireExceptionCaught(cause);
        }
    }

    @FuzzTest
    void frames(byte[] input) {
        RecordingLog log = new RecordingLog();
        EdgeCounters counters = new EdgeCounters();
        Unexpected unexpected = new Unexpected();
        List<String> violations = new ArrayList<>();
        EdgeHttp1FuzzTest.Connection connection = new EdgeHttp1FuzzTest.Connection(new ChannelInitializer<Channel>() {
            @Override
            protected void initChannel(Channel ch) {
                ch.attr(ClientConnection.KEY).set(new ClientConnection(new InetSocketAddress("203.0.113.7", 5555),
                        EdgeHttp1FuzzTest.BALANCER, EdgeHttp1FuzzTest.LOCAL, "TLSv1.3", "api.example.com", "h2"));
                ch.pipeline().addLast("unexpected", unexpected).addLast(ClientInitializer.ERRORS, ConnectionErrors.INSTANCE);
                Http2Pipeline.add(ch.pipeline(), "unexpected", EdgeHttp1FuzzTest.CONFIG, log, counters,
                        () -> new ChannelInboundHandlerAdapter() {
                            @Override
                            public void channelRead(ChannelHandlerContext ctx, Object msg) {
                                if (msg instanceof HttpRequest request && !request.decoderResult().isSuccess()) {
                                    violations.add("a stream handed on a request it could not read");
                                }
                                if (msg instanceof LastHttpContent) {
                                    ctx.writeAndFlush(ErrorResponse.of(HttpResponseStatus.BAD_GATEWAY, null));
                                }
                                ReferenceCountUtil.release(msg);
                            }
                        });
            }
        });
        connection.writeInbound(Unpooled.wrappedBuffer(PREFACE, input));
        connection.runPendingTasks();
        connection.checkException();
        if (unexpected.cause != null) {
            fail("an exception reached the last handler", unexpected.cause);
        }
        assertEquals(List.of(), violations);
        for (ByteBuf out; (out = connection.readOutbound()) != null; ) {
            out.release();
        }
        connection.finishAndReleaseAll();
    }
}
