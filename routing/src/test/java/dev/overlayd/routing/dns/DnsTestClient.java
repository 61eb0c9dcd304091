package dev.overlayd.routing.dns;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.channel.socket.DatagramPacket;
import io.netty.handler.codec.dns.AbstractDnsOptPseudoRrRecord;
import io.netty.handler.codec.dns.DatagramDnsQuery;
import io.netty.handler.codec.dns.DatagramDnsQueryEncoder;
import io.netty.handler.codec.dns.DatagramDnsResponseDecoder;
import io.netty.handler.codec.dns.DefaultDnsQuestion;
import io.netty.handler.codec.dns.DefaultDnsRecordDecoder;
import io.netty.handler.codec.dns.DnsRawRecord;
import io.netty.handler.codec.dns.DnsRecord;
import io.netty.handler.codec.dns.DnsRecordType;
import io.netty.handler.codec.dns.DnsResponse;
import io.netty.handler.codec.dns.DnsSection;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/** A plain DNS client over real sockets, encoding and decoding with Netty's codec, for the tests. */
final class DnsTestClient implements AutoCloseable {
    private static final InetSocketAddress ANY = new InetSocketAddress(InetAddress.getLoopbackAddress(), 9);
    private final InetSocketAddress server;
    private final DatagramSocket socket;

    DnsTestClient(InetSocketAddress server) throws IOException {
        this(server, 3000);
    }

    DnsTestClient(InetSocketAddress server, int timeoutMillis) throws IOException {
        this.server = server;
        this.socket = new DatagramSocket(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0));
        socket.setSoTimeout(timeoutMillis);
    }

    /** A query's bytes; {@code ednsSize} 0 for none. */
    static byte[] query(int id, String name, DnsRecordType type, int ednsSize) {
        DatagramDnsQuery query = new DatagramDnsQuery(ANY, ANY, id);
        query.setRecursionDesired(true);
        query.addRecord(DnsSection.QUESTION, new DefaultDnsQuestion(name, type));
        if (ednsSize > 0) {
            query.addRecord(DnsSection.ADDITIONAL, new AbstractDnsOptPseudoRrRecord(ednsSize) {});
        }
        EmbeddedChannel encoder = new EmbeddedChannel(new DatagramDnsQueryEncoder());
        encoder.writeOutbound(query);
        DatagramPacket packet = encoder.readOutbound();
        try {
            return ByteBufUtil.getBytes(packet.content());
        } finally {
            packet.release();
            encoder.finishAndReleaseAll();
        }
    }

    static byte[] query(int id, String name, DnsRecordType type) {
        return query(id, name, type, 0);
    }

    /** The response's bytes, or null when none came in time. */
    byte[] udp(byte[] message) throws IOException {
        send(message);
        return receive();
    }

    void send(byte[] message) throws IOException {
        socket.send(new java.net.DatagramPacket(message, message.length, server));
    }

    /** The next response's bytes, or null when none came in time. */
    byte[] receive() throws IOException {
        byte[] buffer = new byte[65536];
        java.net.DatagramPacket received = new java.net.DatagramPacket(buffer, buffer.length);
        try {
            socket.receive(received);
        } catch (SocketTimeoutException e) {
            return null;
        }
        return Arrays.copyOf(buffer, received.getLength());
    }

    /** Sends {@code message} over a new TCP connection and reads one response. */
    byte[] tcp(byte[] message) throws IOException {
        try (Socket tcp = new Socket(server.getAddress(), server.getPort())) {
            tcp.setSoTimeout(socket.getSoTimeout());
            DataOutputStream out = new DataOutputStream(tcp.getOutputStream());
            out.writeShort(message.length);
            out.write(message);
            out.flush();
            DataInputStream in = new DataInputStream(tcp.getInputStream());
            byte[] response = new byte[in.readUnsignedShort()];
            in.readFully(response);
            return response;
        }
    }

    /** Decodes a response; the caller releases it. */
    static DnsResponse decode(byte[] message) {
        EmbeddedChannel decoder = new EmbeddedChannel(new DatagramDnsResponseDecoder());
        decoder.writeInbound(new DatagramPacket(Unpooled.wrappedBuffer(message), ANY, ANY));
        DnsResponse response = decoder.readInbound();
        decoder.finishAndReleaseAll();
        return response;
    }

    DnsResponse ask(String name, DnsRecordType type) throws IOException {
        byte[] response = udp(query(4242, name, type));
        if (response == null) {
            throw new IOException("no response to " + name);
        }
        return decode(response);
    }

    /** The addresses of the A records of {@code section}. */
    static List<InetAddress> addresses(DnsResponse response, DnsSection section) throws IOException {
        List<InetAddress> addresses = new ArrayList<>();
        for (DnsRecord record : records(response, section, DnsRecordType.A)) {
            addresses.add(InetAddress.getByAddress(ByteBufUtil.getBytes(((DnsRawRecord) record).content())));
        }
        return addresses;
    }

    /** "port target" of each SRV answer. */
    static List<String> services(DnsResponse response) {
        List<String> services = new ArrayList<>();
        for (DnsRecord record : records(response, DnsSection.ANSWER, DnsRecordType.SRV)) {
            ByteBuf data = ((DnsRawRecord) record).content().duplicate();
            data.skipBytes(4);
            int port = data.readUnsignedShort();
            services.add(port + " " + DefaultDnsRecordDecoder.decodeName(data));
        }
        return services;
    }

    static List<DnsRecord> records(DnsResponse response, DnsSection section, DnsRecordType type) {
        List<DnsRecord> records = new ArrayList<>();
        for (int i = 0; i < response.count(section); i++) {
            DnsRecord record = response.recordAt(section, i);
            if (record.type() == type) {
                records.add(record);
            }
        }
        return records;
    }

    @Override
    public void close() {
        socket.close();
    }
}
