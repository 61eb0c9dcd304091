package dev.overlayd.containers.driver;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.epoll.EpollServerDomainSocketChannel;
import io.netty.channel.unix.DomainSocketAddress;
import io.netty.channel.unix.DomainSocketChannel;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.util.concurrent.DefaultThreadFactory;
import java.io.IOException;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.net.ConnectException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.SocketChannel;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.concurrent.TimeUnit;

/**
 * The driver's root-only Unix socket, where dockerd finds it by name, served over HTTP/1.1 by
 * Netty's epoll transport. The socket is bound under a private 0700 name, made 0600, and only
 * then renamed to its public name, so nobody else can ever connect. A socket nobody answers on is
 * a killed overlayd's and is replaced; one that answers belongs to a running driver and is left
 * alone.
 */
final class PluginSocket implements AutoCloseable {
    private static final Logger LOG = System.getLogger(PluginSocket.class.getName());
    /** dockerd's requests are small; a megabyte is far beyond any of them. */
    private static final int MAX_REQUEST = 1 << 20;

    private final Path path;
    private final EventLoopGroup group;
    private final Channel channel;
    private final Object fileKey;

    private PluginSocket(Path path, EventLoopGroup group, Channel channel, Object fileKey) {
        this.path = path;
        this.group = group;
        this.channel = channel;
        this.fileKey = fileKey;
    }

    static PluginSocket serve(Path path, PluginCalls calls) throws IOException {
        Epoll.ensureAvailability();
        Path directory = path.toAbsolutePath().getParent();
        if (!Files.isDirectory(directory)) {
            Files.createDirectories(directory, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        }
        refuseLiveSocket(path);
        // One thread: the calls are few and serialized by the driver anyway, and a held start waits off it.
        EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, new DefaultThreadFactory("network-driver", true),
                EpollIoHandler.newFactory());
        Path privateDirectory = Files.createTempDirectory(directory, ".overlayd-driver.",
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rwx------")));
        Path privateName = privateDirectory.resolve("s");
        try {
            Channel channel = new ServerBootstrap()
                    .group(group)
                    .channel(EpollServerDomainSocketChannel.class)
                    .childHandler(new ChannelInitializer<DomainSocketChannel>() {
                        @Override
                        protected void initChannel(DomainSocketChannel ch) {
                            pipeline(ch, calls);
                        }
                    })
                    .bind(new DomainSocketAddress(privateName.toString()))
                    .sync()
                    .channel();
            Files.setPosixFilePermissions(privateName, PosixFilePermissions.fromString("rw-------"));
            Object key = Files.readAttributes(privateName, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS).fileKey();
            Files.move(privateName, path, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            return new PluginSocket(path, group, channel, key);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            group.shutdownGracefully(0, 0, TimeUnit.SECONDS);
            throw new IOException("interrupted while binding " + path, e);
        } catch (IOException | RuntimeException e) {
            group.shutdownGracefully(0, 0, TimeUnit.SECONDS);
            throw e;
        } finally {
            Files.deleteIfExists(privateName);
            Files.deleteIfExists(privateDirectory);
        }
    }

    /** The handlers of one connection, apart so tests can drive them without a socket. */
    static void pipeline(Channel ch, PluginCalls calls) {
        ch.pipeline().addLast(new HttpServerCodec(), new RequestAggregator(MAX_REQUEST), new DriverHttpHandler(calls));
    }

    private static void refuseLiveSocket(Path path) throws IOException {
        if (!Files.exists(path, LinkOption.NOFOLLOW_LINKS)) {
            return;
        }
        if (!Files.readAttributes(path, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS).isOther()) {
            throw new IOException(path + " exists and is not a socket; remove it to serve the network driver");
        }
        try (SocketChannel probe = SocketChannel.open(StandardProtocolFamily.UNIX)) {
            probe.connect(UnixDomainSocketAddress.of(path));
            throw new IOException("another process serves the network driver on " + path);
        } catch (ConnectException refused) {
            LOG.log(Level.INFO, "network driver: replacing stale socket {0}", path);
        }
    }

    Path path() {
        return path;
    }

    /** Stops serving and removes the socket file, unless someone else's has replaced it. */
    @Override
    public void close() {
        channel.close().syncUninterruptibly();
        group.shutdownGracefully(0, 1, TimeUnit.SECONDS).syncUninterruptibly();
        try {
            Object current = Files.readAttributes(path, BasicFileAttributes.class, LinkOption.NOFOLLOW_LINKS).fileKey();
            if (fileKey.equals(current)) {
                Files.delete(path);
            }
        } catch (NoSuchFileException gone) {
            // Removed by someone else already.
        } catch (IOException e) {
            LOG.log(Level.WARNING, "network driver: cannot remove {0}: {1}", path, e.getMessage());
        }
    }
}
