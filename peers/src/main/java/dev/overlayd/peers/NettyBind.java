package dev.overlayd.peers;

import java.io.IOException;
import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.logging.Logger;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.PooledByteBufAllocator;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.FixedRecvByteBufAllocator;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.epoll.EpollChannelOption;
import io.netty.channel.epoll.EpollDatagramChannel;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.socket.DatagramPacket;
import io.netty.channel.socket.SocketProtocolFamily;
import io.netty.channel.unix.Errors;
import io.netty.channel.unix.Socket;

/**
 * UDP through Netty's epoll transport: one dual-stack socket on [::]:port, so IPv4 peers arrive as
 * IPv4-mapped addresses, which are turned back into plain IPv4 here, before anything sees them.
 *
 * <p>The system calls per byte are what a userspace tunnel pays for, so datagrams travel in
 * batches both ways: sends are gathered per thread into UDP GSO batches ({@link SendBatch}) until
 * {@link #flush()}, and the socket has UDP GRO on, so one receive can bring many datagrams of a
 * peer's burst (Netty slices them apart again). A kernel that refuses GSO gets one datagram per
 * message, still flushed together.
 *
 * <p>The kernel cuts a GSO batch into datagrams only when each fits the route's MTU: it refuses
 * (EMSGSIZE) datagrams that must cross the underlay in IP fragments, which a large tunnel MTU
 * makes (9001 inside on EC2's 9001 outside, 34736 inside on 1500). The bind learns that segment
 * size from the refusal and sends datagrams that long one per message from then on, which the
 * kernel fragments; the refused batch goes that way too.
 */
public final class NettyBind implements Bind {
    private static final Logger LOG = Logger.getLogger(NettyBind.class.getName());
    /** WireGuard's socket buffers: room for bursts while the receive thread decrypts. */
    private static final int SOCKET_BUFFER = 7 << 20;

    private final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory());
    private final ThreadLocal<SendBatch> batches =
            ThreadLocal.withInitial(() -> new SendBatch(PooledByteBufAllocator.DEFAULT));
    private final ThreadLocal<GsoSend> gsoSends = ThreadLocal.withInitial(GsoSend::new);
    private volatile boolean gso = EpollDatagramChannel.isSegmentedDatagramPacketSupported();
    /** The longest datagram that may share a GSO batch: lowered below each segment size the kernel refused. */
    private volatile int maxSegment = Integer.MAX_VALUE;
    /**
     * Channel writes handed to the event loop and not yet done. A lone datagram skips the loop (one
     * thread wake-up less on its way) only when this is zero, so that it never overtakes datagrams
     * queued before it.
     */
    private final AtomicInteger queued = new AtomicInteger();
    private final ChannelFutureListener done = future -> queued.decrementAndGet();
    private volatile Channel channel;

    @Override
    public int open(int port, Receiver receiver) throws IOException {
        Bootstrap bootstrap = new Bootstrap()
                .group(group)
                .channelFactory(() -> new EpollDatagramChannel(SocketProtocolFamily.INET6))
                .option(ChannelOption.SO_RCVBUF, SOCKET_BUFFER)
                .option(ChannelOption.SO_SNDBUF, SOCKET_BUFFER)
                // A GRO receive holds up to 64 KiB of datagrams.
                .option(ChannelOption.RCVBUF_ALLOCATOR, new FixedRecvByteBufAllocator(65536))
                .option(EpollChannelOption.UDP_GRO, true)
                .handler(new SimpleChannelInboundHandler<DatagramPacket>() {
                    private final byte[] buf = new byte[65536];

                    @Override
                    protected void channelRead0(ChannelHandlerContext ctx, DatagramPacket packet) {
                        ByteBuf content = packet.content();
                        int len = content.readableBytes();
                        content.getBytes(content.readerIndex(), buf, 0, len);
                        receiver.receive(buf, 0, len, unmapped(packet.sender()));
                    }

                    @Override
                    public void channelReadComplete(ChannelHandlerContext ctx) {
                        receiver.endOfBatch();
                        // What the receiver answered from this thread (handshake replies, staged data) goes too.
                        flush();
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
        SendBatch batch = batches.get();
        if (!gso) {
            ByteBuf copy = PooledByteBufAllocator.DEFAULT.directBuffer(len).writeBytes(buf, off, len);
            queued.incrementAndGet();
            c.write(new DatagramPacket(copy, to)).addListener(done);
            batch.unflushed = true;
            return;
        }
        if (!batch.add(buf, off, len, to, maxSegment)) {
            write(c, batch, false);
            batch.add(buf, off, len, to, maxSegment);
        }
    }

    @Override
    public void flush() {
        Channel c = channel;
        SendBatch batch = batches.get();
        if (c == null) {
            if (!batch.isEmpty()) {
                batch.take().release();
            }
        } else if (!batch.isEmpty()) {
            write(c, batch, true);
        } else if (batch.unflushed) {
            c.flush();
        }
        batch.unflushed = false;
    }

    /** From a thread other than the event loop every write is a task for it: one per batch, flush included. */
    private void write(Channel c, SendBatch batch, boolean flush) {
        if (!batch.unflushed && sendNow(c, batch)) {
            return;
        }
        if (batch.segments() > 1 && batch.segmentSize() > maxSegment) {
            batch.takeApart(packet -> {
                queued.incrementAndGet();
                c.write(packet).addListener(done);
            });
            if (flush) {
                c.flush();
            }
            batch.unflushed = !flush;
            return;
        }
        ChannelFutureListener listener = done;
        if (batch.segments() > 1) {
            int segmentSize = batch.segmentSize();
            listener = future -> segmentedDone(future, segmentSize);
        }
        DatagramPacket packet = batch.take();
        queued.incrementAndGet();
        (flush ? c.writeAndFlush(packet) : c.write(packet)).addListener(listener);
        batch.unflushed = !flush;
    }

    private void segmentedDone(ChannelFuture future, int segmentSize) {
        queued.decrementAndGet();
        if (future.isSuccess()) {
            return;
        }
        // Queued before the bind learned that segments this long are refused: a lost batch, not a kernel without GSO.
        if (future.cause() instanceof Errors.NativeIoException e && e.expectedErr() == -GsoSend.EMSGSIZE) {
            refused(segmentSize);
        } else if (gso) {
            gso = false;
            LOG.info("UDP GSO failed (" + future.cause().getMessage() + "): sending one datagram per message from now on");
        }
    }

    /** The kernel would not cut datagrams of this size from one buffer: they cross the underlay in fragments. */
    private void refused(int segmentSize) {
        if (segmentSize <= maxSegment) {
            maxSegment = segmentSize - 1;
            LOG.info("UDP GSO refused for " + segmentSize + "-byte datagrams (longer than the underlay's MTU):"
                    + " sending those one per message");
        }
    }

    /**
     * Sends the batch with sendmsg(2) from this thread when nothing is queued on the channel; false
     * when it is still to be sent, e.g. because the socket buffer is full.
     */
    private boolean sendNow(Channel c, SendBatch batch) {
        ByteBuf buf = batch.buffer();
        if (c.eventLoop().inEventLoop() || queued.get() != 0 || !buf.hasMemoryAddress()) {
            return false;
        }
        int fd = ((Socket) ((EpollDatagramChannel) c).fd()).intValue();
        int errno = gsoSends.get().send(fd, buf.memoryAddress() + buf.readerIndex(), buf.readableBytes(),
                batch.segmentSize(), batch.destination());
        if (errno == GsoSend.EMSGSIZE && batch.segments() > 1) {
            refused(batch.segmentSize());
        }
        if (errno != 0) {
            return false;
        }
        batch.take().release();
        return true;
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
