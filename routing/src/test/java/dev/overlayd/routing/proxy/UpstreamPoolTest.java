package dev.overlayd.routing.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import io.netty.channel.Channel;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.EpollIoHandler;
import dev.overlayd.routing.discovery.Health;
import dev.overlayd.routing.edge.EdgeConfig;
import org.junit.jupiter.api.Test;

class UpstreamPoolTest {
    /**
     * More requests in flight than idle_per_loop: their connections are all kept when they end, for
     * the next ones (the old pool closed each one past the bound, and the next request connected again).
     */
    @Test
    void connectionsBeyondTheIdleBoundAreKeptWhileTheLoadNeedsThem() throws Exception {
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory());
        // Connects complete in the listener's backlog: nothing needs to accept them.
        try (ServerSocket server = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            EdgeConfig base = Front.config(Duration.ofSeconds(10), 1024, List.of());
            UpstreamPool pool = new UpstreamPool(new EdgeConfig(null, null, null, base.timeouts(), base.limits(),
                    new EdgeConfig.Upstreams(1, 3, Duration.ofSeconds(30)), List.of(), null));
            Copy copy = new Copy(Instances.of("web", "c", "127.0.0.1", server.getLocalPort(), Health.PASSING),
                    new Ejection(3, 1_000));
            EventLoop loop = group.next();
            List<Channel> first = loop.submit(() -> List.of(pool.acquire(loop, copy, false), pool.acquire(loop, copy, false), pool.acquire(loop, copy, false)))
                    .get().stream().map(f -> f.syncUninterruptibly().channel()).toList();
            loop.submit(() -> first.forEach(c -> pool.release(copy, c))).get();
            List<Channel> second = loop.submit(() -> List.of(pool.acquire(loop, copy, false), pool.acquire(loop, copy, false), pool.acquire(loop, copy, false)))
                    .get().stream().map(f -> f.syncUninterruptibly().channel()).toList();
            assertEquals(Set.copyOf(first), Set.copyOf(second), "the same three connections again");
            assertTrue(second.stream().allMatch(Channel::isActive));
            pool.close();
        } finally {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        }
    }
}
