package dev.overlayd.routing.dns;

import io.netty.handler.codec.dns.DatagramDnsQuery;
import io.netty.handler.codec.dns.DnsOpCode;
import io.netty.handler.codec.dns.DnsQuestion;
import io.netty.handler.codec.dns.DnsRecord;
import io.netty.handler.codec.dns.DnsRecordType;
import io.netty.handler.codec.dns.DnsSection;
import java.net.InetSocketAddress;

/**
 * What a response needs of its query, kept past the decoded message (which holds buffers) while a
 * forward is outstanding: {@code question} is null when the query could not be read,
 * {@code ednsSize} the client's EDNS0 UDP size or 0 without EDNS0.
 */
record Query(int id, DnsOpCode opCode, boolean recursionDesired, InetSocketAddress client, InetSocketAddress server,
             DnsQuestion question, int ednsSize) {

    static Query of(DatagramDnsQuery query) {
        int edns = 0;
        for (int i = 0; i < query.count(DnsSection.ADDITIONAL); i++) {
            DnsRecord record = query.recordAt(DnsSection.ADDITIONAL, i);
            if (record.type() == DnsRecordType.OPT) {
                edns = Math.max(record.dnsClass() & 0xffff, 1);
            }
        }
        DnsQuestion question = query.count(DnsSection.QUESTION) == 1 ? query.recordAt(DnsSection.QUESTION) : null;
        return new Query(query.id(), query.opCode(), query.isRecursionDesired(), query.sender(), query.recipient(),
                question, edns);
    }

    /** A query whose header was all that could be read. */
    static Query unreadable(int id, int opCode, InetSocketAddress client, InetSocketAddress server) {
        return new Query(id, DnsOpCode.valueOf(opCode), false, client, server, null, 0);
    }
}
