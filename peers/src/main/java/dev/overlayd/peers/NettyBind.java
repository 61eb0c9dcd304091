package dev.overlayd.peers;

import java.io.IOException;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.Arrays;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.FixedRecvByteBufAllocator;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.epoll.EpollDatagramChannel;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.socket.DatagramPacket;
import io.netty.channel.socket.SocketProtocolFamily;

/**
 * UDP through Netty's epoll transport: one dual-stack socket on [::]:port, so IPv4 peers arrive as
 * IPv4-mapped addresses, which are turned back into plain IPv4 here, before anything sees them.
 */
public final class NettyBind implements Bind {
    /** WireGuard's socket buffers: room for bursts while the receive thread decrypts. */
    private static final int SOCKET_BUFFER = 7 << 20;

    private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory());
    private volatile Channel channel;

    @Override
    public int open(int port, Receiver receiver) throws IOException {
        Bootstrap bootstrap = new Bootstrap()
                .group(group)
                .channelFactory(() -> new EpollDatagramChannel(SocketProtocolFamily.INET6))
                .option(ChannelOption.SO_RCVBUF, SOCKET_BUFFER)
                .option(ChannelOption.SO_SNDBUF, SOCKET_BUFFER)
                .option(ChannelOption.RCVBUF_ALLOCATOR, new FixedRecvByteBufAllocator(65536))
                .handler(new SimpleChannelInboundHandler<DatagramPacket>() {
                    private final byte[] buf = new byte[65536];

                    @Override
                    protected void channelRead0(ChannelHandlerContext ctx, DatagramPacket packet) {
                        ByteBuf content = packet.content();
                        int len = content.readableBytes();
                        content.getBytes(content.readerIndex(), buf, 0, len);
                        receiver.receive(buf, 0, len, unmapped(packet.sender()));
                    }
                });
        try {
            channel = bootstrap.bind(new InetSocketAddress("::", port)).sync().channel();
        } catch (Exception e) {
            throw new IOException("cannot listen on UDP port " + port + ": " + e.getMessage(), e);
        }
        return ((InetSocketAddress) channel.localAddress()).getPort();
    }

    @Override
    public void send(byte[] buf, int off, int len, InetSocketAddress to) throws IOException {
        Channel c = channel;
        if (c == null) {
            throw new IOException("the UDP socket is closed");
        }
        c.writeAndFlush(new DatagramPacket(Unpooled.copiedBuffer(buf, off, len), to));
    }

    @Override
    public void close() {
        Channel c = channel;
        channel = null;
        if (c != null) {
            c.close().syncUninterruptibly();
        }
    }

    /** Shuts the event loop down for good. */
    public void shutdown() {
        close();
        group.shutdownGracefully(0, 1, java.util.concurrent.TimeUnit.SECONDS).syncUninterruptibly();
    }

    /** ::ffff:a.b.c.d becomes a.b.c.d, so endpoints print and compare as IPv4. */
    static InetSocketAddress unmapped(InetSocketAddress address) {
        InetAddress ip = address.getAddress();
        if (ip instanceof Inet6Address) {
            byte[] b = ip.getAddress();
            boolean mapped = b[10] == (byte) 0xff && b[11] == (byte) 0xff;
            for (int i = 0; i < 10 && mapped; i++) {
                mapped = b[i] == 0;
            }
            if (mapped) {
                try {
                    return new InetSocketAddress(Inet4Address.getByAddress(Arrays.copyOfRange(b, 12, 16)), address.getPort());
                } catch (UnknownHostException e) {
                    throw new IllegalStateException(e);
                }
            }
        }
        return address;
    }
}
