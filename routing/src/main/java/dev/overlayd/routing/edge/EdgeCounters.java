package dev.overlayd.routing.edge;

import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.ToDoubleFunction;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.MeterRegistry;

/** What the edge listener refused or cut off since it started; read from any thread. */
public final class EdgeCounters {
    final LongAdder untrusted = new LongAdder();
    final LongAdder proxyHeaderTimeouts = new LongAdder();
    final LongAdder badProxyHeaders = new LongAdder();
    final LongAdder secondProxyHeaders = new LongAdder();
    final LongAdder tlsFailures = new LongAdder();
    final LongAdder headerDeadlines = new LongAdder();
    final LongAdder idleClosed = new LongAdder();
    final LongAdder rejected = new LongAdder();
    final LongAdder bodiesTooLarge = new LongAdder();

    /** Connections from a source outside proxy_protocol.trusted, closed before reading a byte. */
    public long untrusted() {
        return untrusted.sum();
    }

    /** Connections whose PROXY header was not complete within proxy_protocol.timeout. */
    public long proxyHeaderTimeouts() {
        return proxyHeaderTimeouts.sum();
    }

    /** Connections closed for a malformed PROXY header (or none at all: bytes that are not one). */
    public long badProxyHeaders() {
        return badProxyHeaders.sum();
    }

    /** Connections closed because a second PROXY header followed the balancer's: one the client sent. */
    public long secondProxyHeaders() {
        return secondProxyHeaders.sum();
    }

    /** TLS handshakes that failed or timed out. */
    public long tlsFailures() {
        return tlsFailures.sum();
    }

    /** Connections cut off because a request's headers were not complete within timeouts.request_headers (slowloris). */
    public long headerDeadlines() {
        return headerDeadlines.sum();
    }

    /** Connections closed after timeouts.idle with no request in flight. */
    public long idleClosed() {
        return idleClosed.sum();
    }

    /** Requests the edge answered itself with 400, 413, 414 or 431 (and closed). */
    public long rejected() {
        return rejected.sum();
    }

    /** Connections closed because a chunked request body grew past limits.body. */
    public long bodiesTooLarge() {
        return bodiesTooLarge.sum();
    }

    /** The counts as {@code overlayd_edge_connections_closed_total{reason}} (and the edge's own answers), read when scraped. */
    public void register(MeterRegistry registry) {
        Map<String, ToDoubleFunction<EdgeCounters>> reasons = new LinkedHashMap<>();
        reasons.put("untrusted", EdgeCounters::untrusted);
        reasons.put("proxy_header_timeout", EdgeCounters::proxyHeaderTimeouts);
        reasons.put("bad_proxy_header", EdgeCounters::badProxyHeaders);
        reasons.put("second_proxy_header", EdgeCounters::secondProxyHeaders);
        reasons.put("tls_failure", EdgeCounters::tlsFailures);
        reasons.put("header_deadline", EdgeCounters::headerDeadlines);
        reasons.put("idle", EdgeCounters::idleClosed);
        reasons.put("body_too_large", EdgeCounters::bodiesTooLarge);
        reasons.forEach((reason, count) -> FunctionCounter.builder("overlayd.edge.connections.closed", this, count)
                .description("Client connections the edge closed, by why").tag("reason", reason).register(registry));
        FunctionCounter.builder("overlayd.edge.rejected", this, EdgeCounters::rejected)
                .description("Requests the edge answered itself with 400, 413, 414 or 431").register(registry);
    }

    @Override
    public String toString() {
        return "untrusted " + untrusted() + ", proxy header timeouts " + proxyHeaderTimeouts() + ", bad proxy headers "
                + badProxyHeaders() + ", second proxy headers " + secondProxyHeaders() + ", tls failures " + tlsFailures()
                + ", header deadlines " + headerDeadlines() + ", idle closed " + idleClosed() + ", rejected " + rejected()
                + ", bodies too large " + bodiesTooLarge();
    }
}
