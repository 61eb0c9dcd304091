package dev.overlayd.routing.dns;

import io.netty.handler.codec.dns.DnsRecord;
import io.netty.handler.codec.dns.DnsResponseCode;
import java.util.List;

/**
 * The content of a response, apart from its header and question, before it is fitted to the
 * transport: from the zone ({@code authoritative}) or relayed from an upstream resolver. Records
 * may be reference counted; whoever sends the answer releases them.
 */
record Answer(DnsResponseCode code, boolean authoritative, List<DnsRecord> answers, List<DnsRecord> authority,
              List<DnsRecord> additional) {
    Answer {
        answers = List.copyOf(answers);
        authority = List.copyOf(authority);
        additional = List.copyOf(additional);
    }

    /** An answer that is only a response code, for errors. */
    static Answer of(DnsResponseCode code) {
        return new Answer(code, false, List.of(), List.of(), List.of());
    }
}
