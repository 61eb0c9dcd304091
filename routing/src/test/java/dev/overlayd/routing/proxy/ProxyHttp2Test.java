package dev.overlayd.routing.proxy;

import dev.overlayd.routing.audit.RecordingLog;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import com.sun.net.httpserver.HttpServer;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.codec.http2.Http2StreamFrameToHttpObjectCodec;
import dev.overlayd.containers.Await;
import dev.overlayd.routing.audit.AccessRecord;
import dev.overlayd.routing.discovery.CatalogSnapshot;
import dev.overlayd.routing.discovery.Health;
import dev.overlayd.routing.discovery.HttpRoute;
import dev.overlayd.routing.edge.ClientConnection;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * HTTP/2 streams (cleartext with prior knowledge here; the edge does it over TLS with ALPN), each
 * with its own request handler behind Http2StreamFrameToHttpObjectCodec, to an HTTP/1.1 copy.
 */
class ProxyHttp2Test {
    private final Backends backends = new Backends();
    private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory());
    private final RecordingLog log = new RecordingLog();
    private Proxy proxy;
    private Channel server;

    @TempDir
    Path dir;

    @AfterEach
    void stop() throws Exception {
        server.close().syncUninterruptibly();
        proxy.close();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        backends.close();
    }

    @Test
    void streamsGoToTheCopyWithHostFromAuthorityAndTheirBodies() throws Exception {
        HttpServer echo = backends.echo("e");
        proxy = new Proxy(Front.config(Duration.ofSeconds(5), 1 << 20, List.of()), log);
        proxy.catalog(new CatalogSnapshot(List.of(Instances.of("web", "node1:e:1", "127.0.0.1", echo.getAddress().getPort(),
                Health.PASSING, new HttpRoute("app.example.com", "/")))));
        server = new ServerBootstrap().group(group).channel(EpollServerSocketChannel.class)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ch.attr(ClientConnection.KEY).set(new ClientConnection(Front.CLIENT, ch.remoteAddress(),
                                ch.localAddress(), null, null, null));
                        ch.pipeline().addLast(Http2FrameCodecBuilder.forServer().build(),
                                new Http2MultiplexHandler(new ChannelInitializer<Http2StreamChannel>() {
                                    @Override
                                    protected void initChannel(Http2StreamChannel stream) {
                                        stream.pipeline().addLast(new Http2StreamFrameToHttpObjectCodec(true), proxy.newHandler());
                                    }
                                }));
                    }
                })
                .bind(InetAddress.getLoopbackAddress(), 0).sync().channel();
        int port = ((InetSocketAddress) server.localAddress()).getPort();
        Path body = Files.write(dir.resolve("body"), new byte[300_000]);
        Curl c = Curl.run("--http2-prior-knowledge", "-H", "Host: app.example.com", "-H", "X-Forwarded-For: 6.6.6.6",
                "http://127.0.0.1:" + port + "/echo");
        assertEquals(0, c.exit(), c.output());
        String out = c.output();
        assertTrue(out.contains("host: app.example.com\n"), out);
        assertTrue(out.contains("x-forwarded-for: 203.0.113.7\n"), out);
        assertFalse(out.contains("6.6.6.6") || out.contains("x-http2"), out);
        Curl upload = Curl.run("--http2-prior-knowledge", "-H", "Host: app.example.com", "--data-binary", "@" + body,
                "http://127.0.0.1:" + port + "/upload");
        assertEquals("received 300000", upload.output());
        // Several streams on one connection, one after another and side by side (nghttp2's own client: curl 7.88
        // fails reusing a prior-knowledge connection before it sends anything).
        Process h2load = new ProcessBuilder("h2load", "-n", "20", "-c", "1", "-m", "4", "-H", ":authority: app.example.com",
                "http://127.0.0.1:" + port + "/echo").redirectErrorStream(true).start();
        String report = new String(h2load.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        assertTrue(h2load.waitFor(60, TimeUnit.SECONDS));
        assertTrue(report.contains("20 succeeded, 0 failed, 0 errored") && report.contains("status codes: 20 2xx"), report);
        Await.until(() -> log.records.size() >= 22, () -> "every record");
        for (AccessRecord r : log.records) {
            assertEquals("HTTP/2", r.protocol());
            assertEquals(200, r.status());
            assertEquals("app.example.com", r.host());
        }
        assertEquals(300_000, log.records.stream().mapToLong(AccessRecord::bytesIn).sum());
    }
}
