package dev.overlayd.routing.dns;

import dev.overlayd.routing.discovery.CatalogSnapshot;
import io.netty.channel.ChannelHandler.Sharable;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.handler.codec.dns.DatagramDnsQuery;
import io.netty.handler.codec.dns.DatagramDnsResponse;
import io.netty.handler.codec.dns.DnsQuestion;
import io.netty.handler.codec.dns.DnsRecord;
import io.netty.handler.codec.dns.DnsResponseCode;
import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.util.function.Supplier;

/**
 * Answers each decoded query: names under the domain from the catalog, others by the upstream
 * resolvers (REFUSED without any), errors with their code; over UDP fitted to the client's size.
 * Runs on the server's one event loop, for UDP and for every TCP connection alike.
 */
@Sharable
final class QueryHandler extends SimpleChannelInboundHandler<Object> {
    private static final Logger LOG = System.getLogger(QueryHandler.class.getName());

    private final ServiceZone zone;
    private final Supplier<CatalogSnapshot> catalog;
    private final Forwarder forwarder;
    private final DnsCounters counters;
    private final boolean stream;

    QueryHandler(ServiceZone zone, Supplier<CatalogSnapshot> catalog, Forwarder forwarder, DnsCounters counters,
                 boolean stream) {
        this.zone = zone;
        this.catalog = catalog;
        this.forwarder = forwarder;
        this.counters = counters;
        this.stream = stream;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, Object message) {
        if (message instanceof QueryDecoder.Rejected rejected) {
            reject(ctx, rejected.query(), rejected.code());
            return;
        }
        if (!(message instanceof DatagramDnsQuery decoded)) {
            return;
        }
        Query query = Query.of(decoded);
        DnsQuestion question = query.question();
        if (question == null) {
            // No question or several: nobody sends several (RFC 9619), and none is no query at all.
            reject(ctx, query, DnsResponseCode.FORMERR);
            return;
        }
        int dnsClass = question.dnsClass() & 0xffff;
        if (dnsClass != DnsRecord.CLASS_IN && dnsClass != DnsRecord.CLASS_ANY) {
            // CHAOS (version.bind) and the like: a kind of query this server does not do.
            reject(ctx, query, DnsResponseCode.NOTIMP);
            return;
        }
        Answer answer;
        try {
            answer = zone.answer(question, catalog.get());
        } catch (RuntimeException e) {
            LOG.log(Level.WARNING, "dns: cannot answer from the catalog: {0}", e.toString());
            counters.servfail.increment();
            send(ctx, query, Answer.of(DnsResponseCode.SERVFAIL));
            return;
        }
        if (answer != null) {
            counters.answered.increment();
            if (answer.code() == DnsResponseCode.NXDOMAIN) {
                counters.nxdomain.increment();
            }
            send(ctx, query, answer);
        } else if (forwarder.enabled()) {
            forwarder.forward(question, relayed -> send(ctx, query, relayed));
        } else {
            counters.refused.increment();
            send(ctx, query, Answer.of(DnsResponseCode.REFUSED));
        }
    }

    private void reject(ChannelHandlerContext ctx, Query query, DnsResponseCode code) {
        (code == DnsResponseCode.NOTIMP ? counters.notimp : counters.formerr).increment();
        send(ctx, query, Answer.of(code));
    }

    private void send(ChannelHandlerContext ctx, Query query, Answer answer) {
        DatagramDnsResponse response = Reply.to(query, answer, forwarder.enabled(),
                stream ? Reply.MAX_TCP : Reply.udpLimit(query));
        if (response.isTruncated()) {
            counters.truncated.increment();
        }
        ctx.writeAndFlush(response).addListener(write -> {
            if (!write.isSuccess() && ctx.channel().isActive()) {
                counters.dropped.increment();
                LOG.log(Level.WARNING, "dns: cannot send a response: {0}", write.cause().toString());
            }
        });
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        // Never the message itself in the log; over TCP the stream is lost, so the connection goes.
        counters.dropped.increment();
        LOG.log(Level.DEBUG, "dns: dropped a message from {0}: {1}", ctx.channel().remoteAddress(), cause.getClass().getSimpleName());
        if (stream) {
            ctx.close();
        }
    }
}
