package dev.overlayd.routing.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.WebSocket;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.websocketx.TextWebSocketFrame;
import io.netty.handler.codec.http.websocketx.WebSocketFrameAggregator;
import io.netty.handler.codec.http.websocketx.WebSocketServerProtocolHandler;
import dev.overlayd.containers.Await;
import dev.overlayd.routing.audit.AccessRecord;
import dev.overlayd.routing.discovery.CatalogSnapshot;
import dev.overlayd.routing.discovery.Health;
import dev.overlayd.routing.discovery.HttpRoute;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** A WebSocket through the proxy: the JDK's client, a tiny Netty echo server behind, bytes relayed once upgraded. */
class ProxyWebSocketTest {
    private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory());
    private Channel echo;
    private Front front;

    @BeforeEach
    void start() throws Exception {
        echo = new ServerBootstrap().group(group).channel(EpollServerSocketChannel.class)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        ch.pipeline().addLast(new HttpServerCodec(), new HttpObjectAggregator(65536),
                                new WebSocketServerProtocolHandler("/ws"), new WebSocketFrameAggregator(1 << 20),
                                new SimpleChannelInboundHandler<TextWebSocketFrame>() {
                                    @Override
                                    protected void channelRead0(ChannelHandlerContext ctx, TextWebSocketFrame frame) {
                                        ctx.writeAndFlush(new TextWebSocketFrame("echo " + frame.text()));
                                    }
                                });
                    }
                })
                .bind(InetAddress.getLoopbackAddress(), 0).sync().channel();
        front = new Front(Front.config(Duration.ofSeconds(5), 1 << 20, List.of()));
        front.proxy.catalog(new CatalogSnapshot(List.of(Instances.of("chat", "node1:chat:1", "127.0.0.1",
                ((InetSocketAddress) echo.localAddress()).getPort(), Health.PASSING, new HttpRoute(null, "/ws")))));
    }

    @AfterEach
    void stop() {
        front.close();
        echo.close().syncUninterruptibly();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }

    @Test
    void messagesGoBothWaysOnceUpgraded() throws Exception {
        LinkedBlockingQueue<String> heard = new LinkedBlockingQueue<>();
        WebSocket ws = HttpClient.newHttpClient().newWebSocketBuilder().connectTimeout(Duration.ofSeconds(5))
                .buildAsync(URI.create("ws://127.0.0.1:" + front.port() + "/ws"), new WebSocket.Listener() {
                    private final StringBuilder message = new StringBuilder();

                    @Override
                    public CompletionStage<?> onText(WebSocket webSocket, CharSequence data, boolean last) {
                        // A long message may come in parts.
                        message.append(data);
                        if (last) {
                            heard.add(message.toString());
                            message.setLength(0);
                        }
                        webSocket.request(1);
                        return CompletableFuture.completedFuture(null);
                    }
                }).get(10, TimeUnit.SECONDS);
        for (int i = 0; i < 3; i++) {
            ws.sendText("hello " + i, true).get(5, TimeUnit.SECONDS);
            assertEquals("echo hello " + i, heard.poll(5, TimeUnit.SECONDS));
        }
        ws.sendText("x".repeat(50_000), true).get(5, TimeUnit.SECONDS);
        assertTrue(("echo " + "x".repeat(50_000)).equals(heard.poll(5, TimeUnit.SECONDS)), "the long message echoed whole");
        ws.sendClose(WebSocket.NORMAL_CLOSURE, "bye").get(5, TimeUnit.SECONDS);
        Await.until(() -> !front.log.records.isEmpty(), () -> "the record once the WebSocket is closed");
        AccessRecord r = front.log.records.getFirst();
        assertEquals(101, r.status());
        assertEquals("chat", r.service());
        assertEquals(Front.CLIENT, r.client());
        assertTrue(r.bytesIn() > 50_000 && r.bytesOut() > 50_000, r.toString());
        assertEquals(0, front.proxy.status("node1").routes().getFirst().copies().getFirst().inFlight());
    }
}
