package dev.overlayd.routing.edge;

import java.lang.System.Logger;
import java.lang.System.Logger.Level;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongSupplier;

/**
 * Connections from sources the PROXY header may not come from: each is counted, and one line at
 * most per interval says so, with how many more there were, so a scanner cannot flood the log.
 */
final class UntrustedSources {
    private static final Logger LOG = System.getLogger(UntrustedSources.class.getName());
    static final Duration INTERVAL = Duration.ofSeconds(10);

    private final EdgeCounters counters;
    private final LongSupplier nanoTime;
    /** When the next line may be written; Long.MIN_VALUE: at once. */
    private final AtomicLong nextLine = new AtomicLong(Long.MIN_VALUE);
    /** The value of the counter when the last line was written. */
    private final AtomicLong logged = new AtomicLong();

    UntrustedSources(EdgeCounters counters, LongSupplier nanoTime) {
        this.counters = counters;
        this.nanoTime = nanoTime;
    }

    /** Counts the refusal of a connection from {@code source}, and says so unless said recently. */
    void refused(InetSocketAddress source) {
        counters.untrusted.increment();
        long now = nanoTime.getAsLong();
        long next = nextLine.get();
        if ((next != Long.MIN_VALUE && now - next < 0) || !nextLine.compareAndSet(next, now + INTERVAL.toNanos())) {
            return;
        }
        long total = counters.untrusted();
        long unsaid = total - logged.getAndSet(total) - 1;
        LOG.log(Level.WARNING, "edge: closed a connection from {0}: not a trusted balancer (proxy_protocol.trusted){1}",
                source.getAddress().getHostAddress() + ":" + source.getPort(),
                unsaid > 0 ? "; " + unsaid + " more since the last such line" : "");
    }
}
