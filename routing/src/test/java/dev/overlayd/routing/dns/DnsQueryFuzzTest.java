package dev.overlayd.routing.dns;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.api.FuzzedDataProvider;
import com.code_intelligence.jazzer.junit.FuzzTest;
import dev.overlayd.routing.discovery.CatalogSnapshot;
import dev.overlayd.routing.discovery.Health;
import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.DefaultChannelId;
import io.netty.channel.embedded.EmbeddedChannel;
import io.netty.channel.socket.DatagramPacket;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;

/**
 * Queries from anyone who can reach the DNS server, over UDP and over TCP, through the server's own
 * handlers: every message that has a whole header and is not a response is answered (with its id;
 * FORMERR, NOTIMP, REFUSED and the like for what cannot be served), everything else is a counted
 * drop, and no answer is longer than its transport allows. A message the handler had to drop as an
 * unexpected exception fails the run. The harness may clear QR and the opcode so the decoder's
 * paths behind the header run more often than the fuzzer alone would make them.
 */
class DnsQueryFuzzTest {
    private static final InetSocketAddress SERVER = new InetSocketAddress("100.64.0.1", 53);
    private static final InetSocketAddress CLIENT = new InetSocketAddress("100.64.0.9", 40000);
    private static final int HEADER = 12;
    private static final CatalogSnapshot CATALOG = new CatalogSnapshot(List.of(
            DnsServerTest.instance("web", "100.64.0.2", 80, Health.PASSING, "blue"),
            DnsServerTest.instance("web", "100.64.0.3", 8080, Health.PASSING),
            DnsServerTest.instance("web", "fd00::2", 80, Health.PASSING),
            DnsServerTest.instance("db", "100.64.0.4", 5432, Health.UNHEALTHY)));

    /** A connection or socket with the addresses a real one has (TcpFrames reads them). */
    private static final class Socket extends EmbeddedChannel {
        Socket(Consumer<ChannelPipeline> handlers) {
            super(null, DefaultChannelId.newInstance(), false, false);
            handlers.accept(pipeline());
            try {
                register();
            } catch (Exception e) {
                throw new IllegalStateException("an embedded channel always registers", e);
            }
        }

        @Override
        protected SocketAddress localAddress0() {
            return SERVER;
        }

        @Override
        protected SocketAddress remoteAddress0() {
            return CLIENT;
        }
    }

    @FuzzTest
    void queries(FuzzedDataProvider data) {
        int mode = data.consumeInt(0, 3);
        byte[] input = data.consumeRemainingAsBytes();
        boolean tcp = (mode & 1) != 0;
        boolean help = (mode & 2) != 0;
        DnsCounters counters = new DnsCounters();
        ServiceZone zone = new ServiceZone("overlay", Duration.ofSeconds(5), new Random(1));
        Forwarder nobody = new Forwarder(null, List.of(), DnsServer.FORWARD_TIMEOUT, DnsServer.MAX_OUTSTANDING, counters);
        QueryHandler handler = new QueryHandler(zone, () -> CATALOG, nobody, counters, tcp);
        if (tcp) {
            stream(input, help, counters, handler);
        } else {
            datagram(input, help, counters, handler);
        }
    }

    private static void datagram(byte[] message, boolean help, DnsCounters counters, QueryHandler handler) {
        if (help) {
            query(message, 0);
        }
        Socket udp = new Socket(pipeline -> DnsServer.datagramHandlers(pipeline, counters, handler));
        udp.writeInbound(new DatagramPacket(Unpooled.wrappedBuffer(message), SERVER, CLIENT));
        udp.checkException();
        DatagramPacket reply = udp.readOutbound();
        if (answerable(message, 0, message.length)) {
            assertTrue(reply != null, "a query got no answer: " + counters);
            try {
                assertEquals(CLIENT, reply.recipient());
                checkReply(message, 0, reply.content(), Reply.MAX_UDP);
            } finally {
                reply.release();
            }
        } else {
            assertNull(reply, "a message that is not a query was answered");
            assertEquals(1, counters.dropped(), "a message that is not a query was not counted");
        }
        assertNull(udp.readOutbound(), "one datagram, several answers");
        udp.finishAndReleaseAll();
    }

    private static void stream(byte[] bytes, boolean help, DnsCounters counters, QueryHandler handler) {
        // Where the queries a correct server answers start, up to the first frame it must give up on (too long).
        List<Integer> queries = new ArrayList<>();
        for (int at = 0; at + 2 <= bytes.length; ) {
            int length = (bytes[at] & 0xff) << 8 | bytes[at + 1] & 0xff;
            if (length > DnsServer.MAX_TCP_QUERY || at + 2 + length > bytes.length) {
                break;
            }
            if (help) {
                query(bytes, at + 2);
            }
            if (answerable(bytes, at + 2, length)) {
                queries.add(at + 2);
            }
            at += 2 + length;
        }
        Socket tcp = new Socket(pipeline -> DnsServer.streamHandlers(pipeline, new AtomicInteger(), counters, handler));
        tcp.writeInbound(Unpooled.wrappedBuffer(bytes));
        tcp.checkException();
        ByteBuf replies = Unpooled.buffer();
        for (ByteBuf out; (out = tcp.readOutbound()) != null; ) {
            replies.writeBytes(out);
            out.release();
        }
        int answered = 0;
        while (replies.isReadable()) {
            assertTrue(replies.readableBytes() >= 2, "half a length field");
            int length = replies.readUnsignedShort();
            assertTrue(answered < queries.size(), "more answers than queries: " + counters);
            // The answers come in the order of their queries.
            checkReply(bytes, queries.get(answered), replies.readSlice(length), Reply.MAX_TCP);
            answered++;
        }
        replies.release();
        assertEquals(queries.size(), answered, "queries over TCP and their answers: " + counters);
        tcp.finishAndReleaseAll();
    }

    /** Clears QR and the opcode of the message at {@code at}, when it has a header. */
    private static void query(byte[] bytes, int at) {
        if (bytes.length - at >= HEADER) {
            bytes[at + 2] &= 0x07;
        }
    }

    private static boolean answerable(byte[] bytes, int at, int length) {
        return length >= HEADER && at + length <= bytes.length && (bytes[at + 2] & 0x80) == 0;
    }

    private static void checkReply(byte[] query, int at, ByteBuf reply, int limit) {
        assertTrue(reply.readableBytes() >= HEADER, "an answer without a header");
        assertTrue(reply.readableBytes() <= limit, "an answer of " + reply.readableBytes() + " bytes");
        assertEquals((query[at] & 0xff) << 8 | query[at + 1] & 0xff, reply.getUnsignedShort(reply.readerIndex()),
                "an answer with another id");
        assertTrue((reply.getByte(reply.readerIndex() + 2) & 0x80) != 0, "an answer that is not a response");
    }
}
