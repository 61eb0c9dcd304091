package dev.overlayd.routing.dns;

import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.channel.socket.DatagramPacket;
import io.netty.handler.codec.dns.DatagramDnsQuery;
import io.netty.handler.codec.dns.DatagramDnsQueryDecoder;
import io.netty.handler.codec.dns.DatagramDnsResponse;
import io.netty.handler.codec.dns.DatagramDnsResponseEncoder;
import io.netty.handler.codec.dns.DefaultDnsRawRecord;
import io.netty.handler.codec.dns.DnsQuestion;
import io.netty.handler.codec.dns.DnsRecordType;
import io.netty.handler.codec.dns.DnsResponseCode;
import io.netty.handler.codec.dns.DnsSection;
import java.io.IOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.Map;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A resolver on a loopback port for the forwarding tests: {@code names} maps a name to the address
 * it answers; other names NXDOMAIN; when not {@code answering}, it reads queries and says nothing.
 */
final class FakeUpstream implements AutoCloseable {
    private final DatagramSocket socket;
    private final Map<String, InetAddress> names;
    private final boolean answering;
    private final Thread thread;
    final AtomicInteger queries = new AtomicInteger();

    FakeUpstream(Map<String, InetAddress> names, boolean answering) throws IOException {
        this.socket = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        this.names = names;
        this.answering = answering;
        this.thread = Thread.ofPlatform().daemon().name("fake-upstream").start(this::serve);
    }

    InetSocketAddress address() {
        return (InetSocketAddress) socket.getLocalSocketAddress();
    }

    private void serve() {
        byte[] buffer = new byte[65536];
        while (!socket.isClosed()) {
            java.net.DatagramPacket received = new java.net.DatagramPacket(buffer, buffer.length);
            try {
                socket.receive(received);
            } catch (IOException closed) {
                return;
            }
            queries.incrementAndGet();
            if (!answering) {
                continue;
            }
            byte[] response = respond(Unpooled.copiedBuffer(buffer, 0, received.getLength()),
                    (InetSocketAddress) received.getSocketAddress());
            try {
                socket.send(new java.net.DatagramPacket(response, response.length, received.getSocketAddress()));
            } catch (IOException closed) {
                return;
            }
        }
    }

    private byte[] respond(io.netty.buffer.ByteBuf message, InetSocketAddress from) {
        EmbeddedChannel decoder = new EmbeddedChannel(new DatagramDnsQueryDecoder());
        decoder.writeInbound(new DatagramPacket(message, address(), from));
        DatagramDnsQuery query = decoder.readInbound();
        decoder.finishAndReleaseAll();
        DnsQuestion question = query.recordAt(DnsSection.QUESTION);
        InetAddress address = names.get(question.name());
        DatagramDnsResponse response = new DatagramDnsResponse(address(), from, query.id(), query.opCode(),
                address == null ? DnsResponseCode.NXDOMAIN : DnsResponseCode.NOERROR);
        response.setRecursionAvailable(true).setRecursionDesired(query.isRecursionDesired());
        response.addRecord(DnsSection.QUESTION, question);
        if (address != null) {
            response.addRecord(DnsSection.ANSWER, new DefaultDnsRawRecord(question.name(), DnsRecordType.A, 300,
                    Unpooled.wrappedBuffer(address.getAddress())));
        }
        query.release();
        EmbeddedChannel encoder = new EmbeddedChannel(new DatagramDnsResponseEncoder());
        encoder.writeOutbound(response);
        DatagramPacket packet = encoder.readOutbound();
        try {
            return ByteBufUtil.getBytes(packet.content());
        } finally {
            packet.release();
            encoder.finishAndReleaseAll();
        }
    }

    @Override
    public void close() throws InterruptedException {
        socket.close();
        thread.join();
    }
}
