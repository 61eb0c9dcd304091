package dev.overlayd.routing.dns;

import io.netty.channel.AddressedEnvelope;
import io.netty.channel.EventLoop;
import io.netty.channel.epoll.EpollDatagramChannel;
import io.netty.channel.epoll.EpollSocketChannel;
import io.netty.handler.codec.dns.DnsQuestion;
import io.netty.handler.codec.dns.DnsRawRecord;
import io.netty.handler.codec.dns.DnsRecord;
import io.netty.handler.codec.dns.DnsRecordType;
import io.netty.handler.codec.dns.DnsResponse;
import io.netty.handler.codec.dns.DnsResponseCode;
import io.netty.handler.codec.dns.DnsSection;
import io.netty.resolver.dns.DnsNameResolver;
import io.netty.resolver.dns.DnsNameResolverBuilder;
import io.netty.resolver.dns.DnsNameResolverChannelStrategy;
import io.netty.resolver.dns.NoopDnsCache;
import io.netty.resolver.dns.NoopDnsCnameCache;
import io.netty.resolver.dns.SequentialDnsServerAddressStreamProvider;
import io.netty.util.concurrent.Future;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

/**
 * Names outside the domain, asked of the upstream resolvers by Netty's resolver (random ids, a
 * socket per query so the source port is random too, TCP when an answer is truncated), each in
 * turn while one does not answer, as resolv.conf's order means. Their answer is relayed whole
 * (rcode and sections; their OPT is replaced by ours). At most {@code maxOutstanding} forwards are
 * in flight: beyond, SERVFAIL at once, so a flood of random names cannot pile up state.
 */
final class Forwarder implements AutoCloseable {
    private final List<InetSocketAddress> upstreams;
    private final int maxOutstanding;
    private final DnsCounters counters;
    private final DnsNameResolver resolver;
    /** Touched only on the event loop. */
    private int outstanding;

    Forwarder(EventLoop loop, List<InetSocketAddress> upstreams, Duration timeout, int maxOutstanding, DnsCounters counters) {
        this.upstreams = List.copyOf(upstreams);
        this.maxOutstanding = maxOutstanding;
        this.counters = counters;
        this.resolver = upstreams.isEmpty() ? null : new DnsNameResolverBuilder(loop)
                .datagramChannelType(EpollDatagramChannel.class)
                .socketChannelType(EpollSocketChannel.class)
                .datagramChannelStrategy(DnsNameResolverChannelStrategy.ChannelPerResolution)
                .nameServerProvider(new SequentialDnsServerAddressStreamProvider(upstreams))
                .resolveCache(NoopDnsCache.INSTANCE)
                .cnameCache(NoopDnsCnameCache.INSTANCE)
                .queryTimeoutMillis(timeout.toMillis())
                .recursionDesired(true)
                .optResourceEnabled(true)
                .maxPayloadSize(Reply.MAX_TCP)
                .build();
    }

    /** Whether there is anyone to forward to. */
    boolean enabled() {
        return resolver != null;
    }

    /** Asks the upstreams; {@code done} hears, on the event loop, their answer or SERVFAIL. */
    void forward(DnsQuestion question, Consumer<Answer> done) {
        if (outstanding >= maxOutstanding) {
            counters.overloaded.increment();
            counters.servfail.increment();
            done.accept(Answer.of(DnsResponseCode.SERVFAIL));
            return;
        }
        outstanding++;
        ask(0, question, answer -> {
            outstanding--;
            done.accept(answer);
        });
    }

    private void ask(int upstream, DnsQuestion question, Consumer<Answer> done) {
        Future<AddressedEnvelope<DnsResponse, InetSocketAddress>> reply;
        try {
            reply = resolver.query(upstreams.get(upstream), question);
        } catch (RuntimeException e) {
            // A name Netty will not encode (it decoded it, but IDN rules differ): nobody can answer it.
            counters.servfail.increment();
            done.accept(Answer.of(DnsResponseCode.SERVFAIL));
            return;
        }
        reply.addListener(f -> {
            if (f.isSuccess()) {
                AddressedEnvelope<DnsResponse, InetSocketAddress> envelope = reply.getNow();
                try {
                    counters.forwarded.increment();
                    done.accept(relayed(envelope.content()));
                } finally {
                    envelope.release();
                }
            } else if (upstream + 1 < upstreams.size()) {
                ask(upstream + 1, question, done);
            } else {
                counters.servfail.increment();
                done.accept(Answer.of(DnsResponseCode.SERVFAIL));
            }
        });
    }

    private static Answer relayed(DnsResponse response) {
        return new Answer(response.code(), response.isAuthoritativeAnswer(), copy(response, DnsSection.ANSWER),
                copy(response, DnsSection.AUTHORITY), copy(response, DnsSection.ADDITIONAL));
    }

    private static List<DnsRecord> copy(DnsResponse response, DnsSection section) {
        List<DnsRecord> records = new ArrayList<>();
        for (int i = 0; i < response.count(section); i++) {
            DnsRecord record = response.recordAt(section, i);
            if (record.type() == DnsRecordType.OPT) {
                continue;
            }
            records.add(record instanceof DnsRawRecord raw ? raw.retainedDuplicate() : record);
        }
        return records;
    }

    @Override
    public void close() {
        if (resolver != null) {
            resolver.close();
        }
    }
}
