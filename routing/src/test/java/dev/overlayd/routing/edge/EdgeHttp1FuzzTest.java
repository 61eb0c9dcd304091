package dev.overlayd.routing.edge;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.overlayd.peers.IpPrefix;
import dev.overlayd.routing.audit.RecordingLog;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.DefaultChannelId;
import io.netty.channel.ServerChannel;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMessage;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseDecoder;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.util.ReferenceCountUtil;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.function.Consumer;
import java.util.stream.Stream;

/**
 * What a balancer passes on from anyone on the internet, through the edge's own client pipeline
 * (trusted source, PROXY header v1 or v2, second-header check, HTTP/1.1 codec and limits) without
 * TLS: on the plain port's redirect, or before a stand-in for the proxy that answers 502 as if no
 * upstream were there. Every response is a redirect, a 4xx or a 5xx; no request reaches the proxy
 * unless it is framed one way only (no Transfer-Encoding beside a Content-Length, one length,
 * chunked the only coding), none after the connection was closed, no body over the limit; no
 * exception gets to the last handler. The harness may put a valid PROXY header first so the
 * fuzzer's bytes reach the HTTP codec more often.
 */
class EdgeHttp1FuzzTest {
    static final InetSocketAddress BALANCER = new InetSocketAddress("198.18.0.5", 40000);
    static final InetSocketAddress LOCAL = new InetSocketAddress("198.18.0.1", 80);
    private static final byte[] PROXY_V1 = "PROXY TCP4 203.0.113.7 198.18.0.1 5555 80\r\n".getBytes(StandardCharsets.US_ASCII);
    static final EdgeConfig.Limits LIMITS = new EdgeConfig.Limits(256, 1024, 16, 1024);
    static final EdgeConfig CONFIG = new EdgeConfig(
            new EdgeConfig.Https(LOCAL, List.of(), EdgeConfig.PROTOCOLS, EdgeConfig.CIPHERS), LOCAL,
            new EdgeConfig.ProxyProtocol(List.of(IpPrefix.parse("198.18.0.0/15")), Duration.ofSeconds(3)),
            new EdgeConfig.Timeouts(Duration.ofSeconds(10), Duration.ofSeconds(60), Duration.ofSeconds(2),
                    Duration.ofSeconds(60)),
            LIMITS, new EdgeConfig.Upstreams(32, 5, Duration.ofSeconds(30)), List.of(),
            new EdgeConfig.AccessLog(Path.of("/dev/null"), EdgeConfig.LogFormat.JSON, false, false));

    /** The listening socket a connection is accepted on (Netty's HTTP/2 handlers ask whether there is one). */
    private static final class Listener extends EmbeddedChannel implements ServerChannel {}

    /** A balancer's connection as the edge's listener would have it, before the pipeline is set up. */
    static final class Connection extends EmbeddedChannel {
        Connection(ChannelHandler initializer) {
            super(new Listener(), DefaultChannelId.newInstance(), false, false);
            pipeline().addLast(initializer);
            try {
                register();
            } catch (Exception e) {
                throw new IllegalStateException("an embedded channel always registers", e);
            }
        }

        @Override
        protected SocketAddress localAddress0() {
            return LOCAL;
        }

        @Override
        protected SocketAddress remoteAddress0() {
            return BALANCER;
        }
    }

    /** Stands in for the proxy: keeps what it was handed and answers 502 (no upstream) at each request's end. */
    private static final class Upstream extends ChannelInboundHandlerAdapter {
        final List<String> violations = new ArrayList<>();
        int requests;
        long body;

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            try {
                if (msg instanceof HttpRequest request) {
                    requests++;
                    body = 0;
                    check(ctx, request);
                }
                if (msg instanceof HttpContent content) {
                    body += content.content().readableBytes();
                    if (body > LIMITS.body()) {
                        violations.add("a body of " + body + " bytes reached the proxy");
                    }
                    if (msg instanceof LastHttpContent) {
                        ctx.writeAndFlush(ErrorResponse.of(HttpResponseStatus.BAD_GATEWAY, null));
                    }
                }
            } finally {
                ReferenceCountUtil.release(msg);
            }
        }

        private void check(ChannelHandlerContext ctx, HttpRequest request) {
            HttpHeaders headers = request.headers();
            if (!ctx.channel().isActive()) {
                violations.add("a request after the connection was closed");
            }
            if (!request.decoderResult().isSuccess()) {
                violations.add("a request the codec could not read: " + request.decoderResult());
            }
            List<String> lengths = headers.getAll(HttpHeaderNames.CONTENT_LENGTH);
            List<String> codings = headers.getAll(HttpHeaderNames.TRANSFER_ENCODING);
            if (!lengths.isEmpty() && !codings.isEmpty()) {
                violations.add("both Content-Length and Transfer-Encoding");
            }
            if (lengths.size() > 1 || lengths.stream().anyMatch(l -> !l.matches("[0-9]{1,18}"))) {
                violations.add("Content-Length " + lengths);
            }
            if (codings.stream().flatMap(c -> Stream.of(c.split(","))).map(String::strip)
                    .anyMatch(c -> !c.isEmpty() && !c.equalsIgnoreCase("chunked"))) {
                violations.add("Transfer-Encoding " + codings);
            }
            if (request.uri().length() > LIMITS.requestLine() || headers.size() > LIMITS.headerCount()) {
                violations.add("a request over the limits");
            }
        }
    }

    /** The methods of the requests the codec read, whose responses come in that order. */
    private static final class Methods extends ChannelInboundHandlerAdapter {
        final Queue<HttpMethod> read = new ArrayDeque<>();

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (msg instanceof HttpRequest request) {
                read.add(request.method());
            }
            ctx.fireChannelRead(msg);
        }
    }

    /** Reads responses as the client that sent those requests would: a response to HEAD has no body. */
    private static final class Client extends HttpResponseDecoder {
        private final Queue<HttpMethod> sent;

        Client(Queue<HttpMethod> sent) {
            this.sent = sent;
        }

        @Override
        protected boolean isContentAlwaysEmpty(HttpMessage msg) {
            return HttpMethod.HEAD.equals(sent.poll()) || super.isContentAlwaysEmpty(msg);
        }
    }

    /** Fails the run on any exception that would have reached the pipeline's last handler. */
    private static final class Unexpected extends ChannelInboundHandlerAdapter {
        Throwable cause;

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            if (this.cause == null) {
                this.cause = cause;
            }
            ctx.fireExceptionCaught(cause);
        }
    }

    @FuzzTest
    void connections(FuzzedDataProvider data) {
        int mode = data.consumeInt(0, 3);
        int split = data.consumeInt(0, Integer.MAX_VALUE);
        byte[] input = data.consumeRemainingAsBytes();
        if ((mode & 2) != 0) {
            byte[] headed = new byte[PROXY_V1.length + input.length];
            System.arraycopy(PROXY_V1, 0, headed, 0, PROXY_V1.length);
            System.arraycopy(input, 0, headed, PROXY_V1.length, input.length);
            input = headed;
        }
        boolean redirect = (mode & 1) != 0;
        RecordingLog log = new RecordingLog();
        EdgeCounters counters = new EdgeCounters();
        Upstream upstream = new Upstream();
        Unexpected unexpected = new Unexpected();
        Methods methods = new Methods();
        ChannelHandler requests = redirect ? new HttpsRedirect(log) : upstream;
        Consumer<ChannelPipeline> application = pipeline -> {
            Http1Pipeline.add(pipeline, ClientInitializer.ERRORS, CONFIG, log, counters, requests);
            pipeline.addAfter(Http1Pipeline.CODEC, "methods", methods);
            pipeline.addBefore(ClientInitializer.ERRORS, "unexpected", unexpected);
        };
        Connection connection = new Connection(new ClientInitializer(CONFIG.proxyProtocol(),
                new UntrustedSources(counters, System::nanoTime), counters, log, application));
        int at = input.length == 0 ? 0 : split % input.length;
        connection.writeInbound(Unpooled.wrappedBuffer(input, 0, at));
        if (connection.isOpen()) {
            connection.writeInbound(Unpooled.wrappedBuffer(input, at, input.length - at));
        }
        connection.checkException();
        if (unexpected.cause != null) {
            fail("an exception reached the last handler", unexpected.cause);
        }
        assertEquals(List.of(), upstream.violations);
        List<Integer> statuses = responses(connection, methods.read);
        if (counters.badProxyHeaders() > 0) {
            assertEquals(0, upstream.requests, "requests after a bad PROXY header");
            assertEquals(List.of(), statuses, "answers after a bad PROXY header");
        }
        for (int status : statuses) {
            assertTrue(status >= 400 && status < 600 || redirect && status == 308, "answered " + status);
        }
        connection.finishAndReleaseAll();
    }

    /** The statuses of what the edge wrote back, as a client reads them. */
    private static List<Integer> responses(EmbeddedChannel connection, Queue<HttpMethod> sent) {
        EmbeddedChannel client = new EmbeddedChannel(new Client(sent));
        for (ByteBuf out; (out = connection.readOutbound()) != null; ) {
            client.writeInbound(out);
        }
        List<Integer> statuses = new ArrayList<>();
        for (Object read; (read = client.readInbound()) != null; ) {
            if (read instanceof HttpResponse response) {
                assertTrue(response.decoderResult().isSuccess(), "the edge wrote what is not HTTP");
                statuses.add(response.status().code());
            }
            ReferenceCountUtil.release(read);
        }
        client.finishAndReleaseAll();
        return statuses;
    }
}
