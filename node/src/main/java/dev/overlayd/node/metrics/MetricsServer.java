package dev.overlayd.node.metrics;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;
import java.util.logging.Logger;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufOutputStream;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpServerKeepAliveHandler;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.QueryStringDecoder;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.util.concurrent.DefaultThreadFactory;

/**
 * {@code GET /metrics}: the node's meters in Prometheus' text format 0.0.4, on a port of its own
 * ({@code metrics.listen} in overlay.yaml, {@code OVERLAYD_METRICS} otherwise), served by one thread
 * of its own so that a scrape never waits on, or delays, the device's or a plugin's threads. Every
 * other path is 404, every other method 405.
 */
public final class MetricsServer implements AutoCloseable {
    private static final Logger LOG = Logger.getLogger(MetricsServer.class.getName());
    static final String CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";
    /** A scraper keeps its connection between scrapes (every 15 s or so); one gone quiet longer is closed. */
    private static final long IDLE_SECONDS = 120;

    /** Writes the meters in Prometheus' text format: {@link NodeMetrics#scrape}, or a registry's own. */
    @FunctionalInterface
    public interface Exposition {
        void write(OutputStream out, String contentType) throws IOException;
    }

    private final EventLoopGroup group;
    private final Channel channel;

    private MetricsServer(EventLoopGroup group, Channel channel) {
        this.group = group;
        this.channel = channel;
    }

    /** Serves {@code exposition} on {@code listen} (port 0: one free) until closed. */
    public static MetricsServer start(InetSocketAddress listen, Exposition exposition) throws IOException {
        Epoll.ensureAvailability();
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("overlayd-metrics", true),
                EpollIoHandler.newFactory());
        ServerBootstrap bootstrap = new ServerBootstrap().group(group).channel(EpollServerSocketChannel.class)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ch.pipeline().addLast(new IdleStateHandler(0, 0, IDLE_SECONDS, TimeUnit.SECONDS),
                                new HttpServerCodec(), new HttpServerKeepAliveHandler(),
                                new HttpObjectAggregator(8192), new Scrapes(exposition));
                    }
                });
        try {
            Channel channel = bootstrap.bind(listen).sync().channel();
            LOG.info("metrics: serving GET /metrics on " + channel.localAddress());
            return new MetricsServer(group, channel);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            group.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS);
            throw new IOException("interrupted while binding " + listen, e);
        } catch (Exception e) {
            group.shutdownGracefully(0, 0, TimeUnit.MILLISECONDS);
            throw new IOException("cannot serve metrics on " + listen + ": " + e.getMessage(), e);
        }
    }

    public InetSocketAddress address() {
        return (InetSocketAddress) channel.localAddress();
    }

    @Override
    public void close() {
        channel.close().syncUninterruptibly();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }

    private static final class Scrapes extends SimpleChannelInboundHandler<FullHttpRequest> {
        private final Exposition exposition;

        Scrapes(Exposition exposition) {
            this.exposition = exposition;
        }

        @Override
        protected void channelRead0(ChannelHandlerContext ctx, FullHttpRequest request) throws IOException {
            FullHttpResponse response;
            if (request.decoderResult().isFailure()) {
                response = text(HttpResponseStatus.BAD_REQUEST, null);
                HttpUtil.setKeepAlive(response, false);
            } else if (!new QueryStringDecoder(request.uri()).path().equals("/metrics")) {
                response = text(HttpResponseStatus.NOT_FOUND, "metrics are at /metrics");
            } else if (!request.method().equals(HttpMethod.GET)) {
                response = text(HttpResponseStatus.METHOD_NOT_ALLOWED, null);
                response.headers().set(HttpHeaderNames.ALLOW, HttpMethod.GET.name());
            } else {
                ByteBuf body = ctx.alloc().buffer();
                try (ByteBufOutputStream out = new ByteBufOutputStream(body)) {
                    exposition.write(out, CONTENT_TYPE);
                } catch (IOException | RuntimeException e) {
                    body.release();
                    throw e;
                }
                response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.OK, body);
                response.headers().set(HttpHeaderNames.CONTENT_TYPE, CONTENT_TYPE)
                        .setInt(HttpHeaderNames.CONTENT_LENGTH, body.readableBytes());
            }
            // HttpServerKeepAliveHandler closes after it when either side said so.
            ctx.writeAndFlush(response);
        }

        /** The status and one line for whoever scrapes the wrong thing. */
        private static FullHttpResponse text(HttpResponseStatus status, String detail) {
            String text = status.code() + " " + status.reasonPhrase() + (detail == null ? "" : ": " + detail) + "\n";
            FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status,
                    Unpooled.copiedBuffer(text, StandardCharsets.UTF_8));
            response.headers().set(HttpHeaderNames.CONTENT_TYPE, "text/plain; charset=utf-8")
                    .setInt(HttpHeaderNames.CONTENT_LENGTH, response.content().readableBytes());
            return response;
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object event) throws Exception {
            if (event instanceof IdleStateEvent) {
                ctx.close();
            } else {
                super.userEventTriggered(ctx, event);
            }
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            LOG.fine("metrics: " + cause);
            ctx.close();
        }
    }
}
