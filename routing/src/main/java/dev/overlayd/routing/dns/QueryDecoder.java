package dev.overlayd.routing.dns;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.socket.DatagramPacket;
import io.netty.handler.codec.dns.DatagramDnsQuery;
import io.netty.handler.codec.dns.DatagramDnsQueryDecoder;
import io.netty.handler.codec.dns.DnsRecordEncoder;
import io.netty.handler.codec.dns.DnsResponseCode;
import io.netty.handler.codec.dns.DnsSection;
import java.util.List;

/**
 * Netty's query decoder, which throws on anything it cannot read, made to pass on a
 * {@link Rejected} with the query's id instead, so the client gets FORMERR (or NOTIMP for an opcode
 * other than QUERY) rather than a timeout; messages without a whole header, and responses (answering
 * those could make two servers bounce one message forever), are dropped and counted.
 */
final class QueryDecoder extends DatagramDnsQueryDecoder {
    private static final int HEADER = 12;
    private static final int QR = 0x8000;

    /** A query that gets an error response without being looked at further. */
    record Rejected(Query query, DnsResponseCode code) {}

    private final DnsCounters counters;

    QueryDecoder(DnsCounters counters) {
        this.counters = counters;
    }

    @Override
    protected void decode(ChannelHandlerContext ctx, DatagramPacket packet, List<Object> out) {
        counters.queries.increment();
        ByteBuf message = packet.content();
        if (message.readableBytes() < HEADER) {
            counters.dropped.increment();
            return;
        }
        int id = message.getUnsignedShort(message.readerIndex());
        int flags = message.getUnsignedShort(message.readerIndex() + 2);
        if ((flags & QR) != 0) {
            counters.dropped.increment();
            return;
        }
        int opCode = flags >> 11 & 0xf;
        if (opCode != 0) {
            out.add(new Rejected(Query.unreadable(id, opCode, packet.sender(), packet.recipient()), DnsResponseCode.NOTIMP));
            return;
        }
        try {
            super.decode(ctx, packet, out);
        } catch (Exception e) {
            // Loops, labels over 63, names over 255, truncated records, names that are not host names.
            out.add(new Rejected(Query.unreadable(id, opCode, packet.sender(), packet.recipient()), DnsResponseCode.FORMERR));
            return;
        }
        if (!out.isEmpty() && out.getLast() instanceof DatagramDnsQuery query && !echoable(query)) {
            out.removeLast();
            query.release();
            out.add(new Rejected(Query.unreadable(id, opCode, packet.sender(), packet.recipient()), DnsResponseCode.FORMERR));
        }
    }

    /**
     * Whether the response can repeat the query's question: Netty reads names that it refuses to
     * write (a NUL byte in a label), and without this check such a query would get no answer at all.
     */
    private static boolean echoable(DatagramDnsQuery query) {
        ByteBuf scratch = Unpooled.buffer();
        try {
            for (int i = 0; i < query.count(DnsSection.QUESTION); i++) {
                DnsRecordEncoder.DEFAULT.encodeQuestion(query.recordAt(DnsSection.QUESTION, i), scratch);
            }
            return true;
        } catch (Exception e) {
            return false;
        } finally {
            scratch.release();
        }
    }
}
