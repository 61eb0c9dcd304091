package dev.overlayd.routing.dns;

import java.util.concurrent.atomic.LongAdder;

/** What the DNS server has done since it started; read from any thread. */
public final class DnsCounters {
    final LongAdder queries = new LongAdder();
    final LongAdder answered = new LongAdder();
    final LongAdder nxdomain = new LongAdder();
    final LongAdder forwarded = new LongAdder();
    final LongAdder servfail = new LongAdder();
    final LongAdder refused = new LongAdder();
    final LongAdder overloaded = new LongAdder();
    final LongAdder formerr = new LongAdder();
    final LongAdder notimp = new LongAdder();
    final LongAdder dropped = new LongAdder();
    final LongAdder truncated = new LongAdder();

    /** Messages received, good or bad. */
    public long queries() {
        return queries.sum();
    }

    /** Answered from the catalog, NXDOMAIN and no-data answers included. */
    public long answered() {
        return answered.sum();
    }

    /** Of the answered, those saying the name does not exist. */
    public long nxdomain() {
        return nxdomain.sum();
    }

    /** Relayed answers of an upstream resolver. */
    public long forwarded() {
        return forwarded.sum();
    }

    /** Forwarded queries no upstream answered in time, or over the bound of outstanding forwards. */
    public long servfail() {
        return servfail.sum();
    }

    /** Names outside the domain with no upstream to forward them to. */
    public long refused() {
        return refused.sum();
    }

    /** Of the SERVFAIL, queries refused to be forwarded because too many forwards were outstanding. */
    public long overloaded() {
        return overloaded.sum();
    }

    public long formerr() {
        return formerr.sum();
    }

    public long notimp() {
        return notimp.sum();
    }

    /** Messages not answered at all: shorter than a header, responses, TCP frames too long. */
    public long dropped() {
        return dropped.sum();
    }

    /** UDP answers cut to the client's size, with TC set. */
    public long truncated() {
        return truncated.sum();
    }

    @Override
    public String toString() {
        return "queries " + queries() + ", answered " + answered() + ", nxdomain " + nxdomain() + ", forwarded "
                + forwarded() + ", servfail " + servfail() + ", refused " + refused() + ", overloaded " + overloaded()
                + ", formerr " + formerr() + ", notimp " + notimp() + ", dropped " + dropped() + ", truncated "
                + truncated();
    }
}
