package dev.overlayd.routing.dns;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.dns.AbstractDnsOptPseudoRrRecord;
import io.netty.handler.codec.dns.DatagramDnsResponse;
import io.netty.handler.codec.dns.DnsRecord;
import io.netty.handler.codec.dns.DnsRecordEncoder;
import io.netty.handler.codec.dns.DnsSection;
import io.netty.util.ReferenceCountUtil;
import java.util.List;

/**
 * A response to one query: its header and question, then as many of the answer's records as fit
 * the transport. A record that does not fit in the answer or authority section sets TC and is left
 * out with all after it, so a client that cannot retry over TCP (musl before 1.2.4, in Alpine
 * images) still gets the first addresses; additional records are dropped without TC (RFC 2181 9).
 */
final class Reply {
    /** Messages over UDP without EDNS0 (RFC 1035). */
    static final int PLAIN_UDP = 512;
    /**
     * The most we send over UDP whatever EDNS0 size the client offers: DNS flag day 2020's value,
     * below fragmentation on any usual path (and on the overlay's lower MTU).
     */
    static final int MAX_UDP = 1232;
    /** A TCP message's length field is two bytes. */
    static final int MAX_TCP = 65535;
    private static final int HEADER = 12;

    private Reply() {}

    /** How large a UDP response to {@code query} may be. */
    static int udpLimit(Query query) {
        return query.ednsSize() == 0 ? PLAIN_UDP : Math.clamp(query.ednsSize(), PLAIN_UDP, MAX_UDP);
    }

    /** The response to {@code query}, at most {@code limit} bytes; takes the answer's records (sent or released). */
    static DatagramDnsResponse to(Query query, Answer answer, boolean recursionAvailable, int limit) {
        DatagramDnsResponse response = new DatagramDnsResponse(query.server(), query.client(), query.id(),
                query.opCode(), answer.code());
        response.setAuthoritativeAnswer(answer.authoritative())
                .setRecursionDesired(query.recursionDesired())
                .setRecursionAvailable(recursionAvailable);
        ByteBuf scratch = Unpooled.buffer();
        try {
            int size = HEADER;
            if (query.question() != null) {
                DnsRecordEncoder.DEFAULT.encodeQuestion(query.question(), scratch);
                size += scratch.readableBytes();
                response.addRecord(DnsSection.QUESTION, query.question());
            }
            // RFC 6891: answer EDNS0 with EDNS0, offering what we accept.
            DnsRecord edns = query.ednsSize() > 0 ? new Edns(MAX_UDP) : null;
            if (edns != null) {
                size += measure(edns, scratch);
            }
            boolean truncated = false;
            for (DnsSection section : List.of(DnsSection.ANSWER, DnsSection.AUTHORITY, DnsSection.ADDITIONAL)) {
                for (DnsRecord record : section == DnsSection.ANSWER ? answer.answers()
                        : section == DnsSection.AUTHORITY ? answer.authority() : answer.additional()) {
                    int length = truncated && section != DnsSection.ADDITIONAL ? 0 : measure(record, scratch);
                    if (length > 0 && size + length <= limit) {
                        response.addRecord(section, record);
                        size += length;
                    } else {
                        truncated |= section != DnsSection.ADDITIONAL;
                        ReferenceCountUtil.release(record);
                    }
                }
            }
            if (edns != null) {
                response.addRecord(DnsSection.ADDITIONAL, edns);
            }
            response.setTruncated(truncated);
            return response;
        } catch (Exception e) {
            response.release();
            throw new IllegalStateException("a response record cannot be encoded", e);
        } finally {
            scratch.release();
        }
    }

    private static int measure(DnsRecord record, ByteBuf scratch) throws Exception {
        scratch.clear();
        DnsRecordEncoder.DEFAULT.encodeRecord(record, scratch);
        return scratch.readableBytes();
    }

    /** Our OPT pseudo-record: only the UDP size, no options. */
    private static final class Edns extends AbstractDnsOptPseudoRrRecord {
        Edns(int maxPayloadSize) {
            super(maxPayloadSize);
        }
    }
}
