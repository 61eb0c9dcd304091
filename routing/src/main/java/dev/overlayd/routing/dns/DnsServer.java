package dev.overlayd.routing.dns;

import dev.overlayd.routing.discovery.CatalogSnapshot;
import io.netty.bootstrap.Bootstrap;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.EventLoop;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollDatagramChannel;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.channel.socket.SocketChannel;
import io.netty.handler.codec.LengthFieldBasedFrameDecoder;
import io.netty.handler.codec.dns.DatagramDnsResponseEncoder;
import io.netty.handler.codec.dns.TcpDnsResponseEncoder;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.io.IOException;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import java.util.random.RandomGenerator;

/**
 * The DNS server of service discovery, on UDP and TCP at the same address: the domain's names from
 * the catalog (see {@link ServiceZone}), other names forwarded to the upstream resolvers, so it can
 * be a container's only DNS server. One event loop does it all: an answer is a lookup in an
 * immutable snapshot, and the forwards wait on the network, not on the thread.
 */
public final class DnsServer implements AutoCloseable {
    private static final Logger LOG = System.getLogger(DnsServer.class.getName());
    /** Per upstream; a stub resolver asks again after 5 s (resolv.conf's default), so two upstreams fit. */
    static final Duration FORWARD_TIMEOUT = Duration.ofSeconds(2);
    /** Forwards in flight at once; a node's containers rarely have more than a few dozen. */
    static final int MAX_OUTSTANDING = 512;
    static final int MAX_CONNECTIONS = 128;
    /** RFC 7766 suggests closing idle connections after seconds, not minutes. */
    static final Duration TCP_IDLE = Duration.ofSeconds(10);
    /** A query is one question and an OPT; anything longer is not a query of ours. */
    static final int MAX_TCP_QUERY = 4096;
    private static final int BIND_ATTEMPTS = 10;

    private final EventLoopGroup group;
    private final Forwarder forwarder;
    private final Channel udp;
    private final Channel tcp;
    private final DnsCounters counters;

    private DnsServer(EventLoopGroup group, Forwarder forwarder, Channel udp, Channel tcp, DnsCounters counters) {
        this.group = group;
        this.forwarder = forwarder;
        this.udp = udp;
        this.tcp = tcp;
        this.counters = counters;
    }

    /** Serves {@code settings.listen()} until closed; a listen port of 0 picks one free for both UDP and TCP. */
    public static DnsServer start(DnsSettings settings, Supplier<CatalogSnapshot> catalog) throws IOException {
        Epoll.ensureAvailability();
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("dns", true),
                EpollIoHandler.newFactory());
        EventLoop loop = group.next();
        DnsCounters counters = new DnsCounters();
        Forwarder forwarder = new Forwarder(loop, settings.upstreams(), FORWARD_TIMEOUT, MAX_OUTSTANDING, counters);
        // The order only spreads load (Consul uses math/rand): a fast generator, used by the one loop only.
        ServiceZone zone = new ServiceZone(settings.domain(), settings.ttl(), RandomGenerator.of("L64X128MixRandom"));
        QueryHandler datagrams = new QueryHandler(zone, catalog, forwarder, counters, false);
        QueryHandler streams = new QueryHandler(zone, catalog, forwarder, counters, true);
        AtomicInteger connections = new AtomicInteger();
        Bootstrap udpBootstrap = new Bootstrap().group(loop).channel(EpollDatagramChannel.class)
                .handler(new ChannelInitializer<EpollDatagramChannel>() {
                    @Override
                    protected void initChannel(EpollDatagramChannel ch) {
                        datagramHandlers(ch.pipeline(), counters, datagrams);
                    }
                });
        ServerBootstrap tcpBootstrap = new ServerBootstrap().group(loop).channel(EpollServerSocketChannel.class)
                .childHandler(new ChannelInitializer<SocketChannel>() {
                    @Override
                    protected void initChannel(SocketChannel ch) {
                        streamHandlers(ch.pipeline(), connections, counters, streams);
                    }
                });
        try {
            for (int attempt = 1; ; attempt++) {
                Channel udp = udpBootstrap.bind(settings.listen()).sync().channel();
                InetSocketAddress bound = (InetSocketAddress) udp.localAddress();
                try {
                    Channel tcp = tcpBootstrap.bind(bound).sync().channel();
                    LOG.log(Level.INFO, "dns: answering {0} on {1} (UDP and TCP), forwarding to {2}",
                            settings.domain(), bound, settings.upstreams().isEmpty() ? "nobody" : settings.upstreams());
                    return new DnsServer(group, forwarder, udp, tcp, counters);
                } catch (Exception e) {
                    udp.close().sync();
                    if (settings.listen().getPort() != 0 || attempt == BIND_ATTEMPTS) {
                        throw e;
                    }
                }
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            shutdown(group, forwarder);
            throw new IOException("interrupted while binding " + settings.listen(), e);
        } catch (Exception e) {
            shutdown(group, forwarder);
            throw new IOException("cannot serve DNS on " + settings.listen() + ": " + e.getMessage(), e);
        }
    }

    /** The UDP socket's handlers; {@code handler} answers datagrams. */
    static void datagramHandlers(ChannelPipeline pipeline, DnsCounters counters, QueryHandler handler) {
        pipeline.addLast(new DatagramDnsResponseEncoder(), new QueryDecoder(counters), handler);
    }

    /** A TCP connection's handlers, {@code connections} counting those open; {@code handler} answers streams. */
    static void streamHandlers(ChannelPipeline pipeline, AtomicInteger connections, DnsCounters counters,
                               QueryHandler handler) {
        pipeline.addLast(new IdleStateHandler(0, 0, TCP_IDLE.toMillis(), TimeUnit.MILLISECONDS),
                new TcpConnection(connections, MAX_CONNECTIONS, counters),
                new TcpDnsResponseEncoder(),
                new LengthFieldBasedFrameDecoder(MAX_TCP_QUERY + 2, 0, 2, 0, 2),
                new TcpFrames(), new QueryDecoder(counters), handler);
    }

    /** Where it answers, UDP and TCP. */
    public InetSocketAddress address() {
        return (InetSocketAddress) udp.localAddress();
    }

    public DnsCounters counters() {
        return counters;
    }

    @Override
    public void close() {
        udp.close().syncUninterruptibly();
        tcp.close().syncUninterruptibly();
        shutdown(group, forwarder);
    }

    private static void shutdown(EventLoopGroup group, Forwarder forwarder) {
        group.submit(forwarder::close).syncUninterruptibly();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }
}
