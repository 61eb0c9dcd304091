package dev.overlayd.routing.edge;

import java.io.IOException;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import dev.overlayd.routing.audit.RequestLog;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerSocketChannel;
import io.netty.handler.ssl.OpenSsl;
import io.netty.handler.ssl.SslProvider;
import io.netty.util.concurrent.DefaultThreadFactory;

/**
 * The edge listener: HTTPS on https.listen, and optionally a plain-HTTP port that redirects to it,
 * both behind the balancer's PROXY header (see {@link ClientInitializer}). TLS through BoringSSL
 * (netty-tcnative) with the certificate the client's SNI names, ALPN h2 or http/1.1, and then
 * {@code requests}' handlers, one per HTTP/1.1 connection or HTTP/2 stream.
 */
public final class EdgeServer implements AutoCloseable {
    private static final Logger LOG = System.getLogger(EdgeServer.class.getName());
    /** How often the certificate files are looked at for a change (see {@link FileChanges}). */
    static final Duration CERTIFICATE_CHECK = Duration.ofSeconds(2);
    /**
     * Connections waiting to be accepted; the kernel caps it at net.core.somaxconn (4096 since Linux
     * 5.4). A balancer moving traffic here after a failover opens many at once.
     */
    private static final int BACKLOG = 4096;

    private final EventLoopGroup group;
    private final Channel https;
    private final Channel redirect;
    private final SniCertificates certificates;
    private final EdgeCounters counters;
    private final ScheduledFuture<?> watch;

    private EdgeServer(EventLoopGroup group, Channel https, Channel redirect, SniCertificates certificates,
                       EdgeCounters counters, ScheduledFuture<?> watch) {
        this.group = group;
        this.https = https;
        this.redirect = redirect;
        this.certificates = certificates;
        this.counters = counters;
        this.watch = watch;
    }

    /**
     * Listens until closed.
     * @throws IOException when a certificate or key file is bad (the message names it) or a port cannot be bound
     */
    public static EdgeServer start(EdgeConfig config, RequestLog log, Supplier<ChannelHandler> requests) throws IOException {
        try {
            Epoll.ensureAvailability();
        } catch (UnsatisfiedLinkError e) {
            throw new IOException("the edge needs Netty's epoll transport: " + e.getMessage(), e);
        }
        SniCertificates certificates = SniCertificates.load(config.https(), provider());
        EdgeCounters counters = new EdgeCounters();
        UntrustedSources untrusted = new UntrustedSources(counters, System::nanoTime);
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(Runtime.getRuntime().availableProcessors(),
                new DefaultThreadFactory("edge", true), EpollIoHandler.newFactory());
        InetSocketAddress binding = config.https().listen();
        try {
            Channel https = bind(group, binding, new ClientInitializer(config.proxyProtocol(), untrusted, counters, null,
                    pipeline -> pipeline
                            .addBefore(ClientInitializer.ERRORS, "tls", certificates.newHandler(config.timeouts().requestHeaders()))
                            .addBefore(ClientInitializer.ERRORS, "alpn", new ProtocolNegotiation(config, log, counters, requests))));
            Channel redirect = null;
            if (config.redirect() != null) {
                binding = config.redirect();
                redirect = bind(group, binding, new ClientInitializer(config.proxyProtocol(), untrusted, counters, log,
                        pipeline -> Http1Pipeline.add(pipeline, ClientInitializer.ERRORS, config, log, counters,
                                new HttpsRedirect(log))));
            }
            FileChanges files = new FileChanges(certificates.files());
            // On an event loop: reading a few PEM files takes a millisecond, and only when one changed.
            ScheduledFuture<?> watch = group.next().scheduleWithFixedDelay(() -> {
                if (files.changed()) {
                    certificates.reload();
                }
            }, CERTIFICATE_CHECK.toNanos(), CERTIFICATE_CHECK.toNanos(), TimeUnit.NANOSECONDS);
            LOG.log(Level.INFO, "edge: HTTPS on {0} (TLS by {1}){2}", https.localAddress(), certificates.provider(),
                    redirect == null ? "" : ", redirecting HTTP on " + redirect.localAddress());
            return new EdgeServer(group, https, redirect, certificates, counters, watch);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
            throw new IOException("interrupted while binding " + binding, e);
        } catch (Exception e) {
            group.shutdownGracefully(0, 1, TimeUnit.SECONDS);
            throw new IOException("cannot listen on " + binding + ": " + e.getMessage(), e);
        }
    }

    private static Channel bind(EventLoopGroup group, InetSocketAddress address, ClientInitializer initializer)
            throws InterruptedException {
        return new ServerBootstrap().group(group).channel(EpollServerSocketChannel.class)
                .option(ChannelOption.SO_REUSEADDR, true)
                .option(ChannelOption.SO_BACKLOG, BACKLOG)
                .childOption(ChannelOption.TCP_NODELAY, true)
                .childHandler(initializer)
                .bind(address).sync().channel();
    }

    /** BoringSSL when netty-tcnative loads (it should: its jar is on the class path), else the JDK's TLS with a warning. */
    private static SslProvider provider() {
        if (OpenSsl.isAvailable()) {
            return SslProvider.OPENSSL;
        }
        LOG.log(Level.WARNING, "edge: OpenSSL (netty-tcnative) unavailable, TLS by the JDK, slower: {0}",
                OpenSsl.unavailabilityCause().getMessage());
        return SslProvider.JDK;
    }

    public InetSocketAddress https() {
        return (InetSocketAddress) https.localAddress();
    }

    /** The plain-HTTP port's address; null when it is off. */
    public InetSocketAddress redirect() {
        return redirect == null ? null : (InetSocketAddress) redirect.localAddress();
    }

    /** Who does TLS: OPENSSL (BoringSSL) unless it could not be loaded. */
    public SslProvider tlsProvider() {
        return certificates.provider();
    }

    public EdgeCounters counters() {
        return counters;
    }

    /** Reads the certificates again (SIGHUP); new connections get them, open ones keep theirs. A bad file keeps the old ones. */
    public void reload() {
        certificates.reload();
    }

    @Override
    public void close() {
        watch.cancel(false);
        https.close().syncUninterruptibly();
        if (redirect != null) {
            redirect.close().syncUninterruptibly();
        }
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
    }
}
