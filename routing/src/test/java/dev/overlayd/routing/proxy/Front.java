package dev.overlayd.routing.proxy;

import dev.overlayd.routing.audit.RecordingLog;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.HttpServerCodec;
import dev.overlayd.routing.edge.ClientConnection;
import dev.overlayd.routing.edge.EdgeConfig;

/**
 * The smallest front a request handler can sit behind: plain HTTP/1.1 on loopback, the connection's
 * client set as the edge would set it from a PROXY header ({@link #CLIENT}), the codec named as the
 * edge names it. The real edge (TLS, PROXY, limits) is the edge's own work.
 */
final class Front implements AutoCloseable {
    /** The client address the "balancer" says: what X-Forwarded-For and the audit log must show. */
    static final InetSocketAddress CLIENT = new InetSocketAddress("203.0.113.7", 51234);

    final RecordingLog log = new RecordingLog();
    final Proxy proxy;
    private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(2, EpollIoHandler.newFactory());
    private final Channel server;

    Front(EdgeConfig config) throws InterruptedException {
        proxy = new Proxy(config, log);
        server = new ServerBootstrap().group(group).channel(EpollServerSocketChannel.class)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ch.attr(ClientConnection.KEY).set(new ClientConnection(CLIENT, ch.remoteAddress(), ch.localAddress(),
                                null, null, null));
                        ch.pipeline().addLast("http-codec", new HttpServerCodec());
                        ch.pipeline().addLast("proxy", proxy.newHandler());
                    }
                })
                .bind(InetAddress.getLoopbackAddress(), 0).sync().channel();
    }

    static EdgeConfig config(Duration response, long body, List<EdgeConfig.StaticRoute> routes) {
        return new EdgeConfig(null, null, null,
                new EdgeConfig.Timeouts(Duration.ofSeconds(10), Duration.ofSeconds(60), Duration.ofSeconds(2), response),
                new EdgeConfig.Limits(4096, 8192, 100, body), new EdgeConfig.Upstreams(32, 3, Duration.ofSeconds(30)),
                routes, null);
    }

    int port() {
        return ((InetSocketAddress) server.localAddress()).getPort();
    }

    String url(String path) {
        return "http://127.0.0.1:" + port() + path;
    }

    @Override
    public void close() {
        server.close().syncUninterruptibly();
        proxy.close();
        group.shutdownGracefully(0, 1, java.util.concurrent.TimeUnit.SECONDS).syncUninterruptibly();
    }
}
