package dev.overlayd.routing.audit;

import java.io.IOException;
import io.micrometer.core.instrument.MeterRegistry;
import dev.overlayd.routing.edge.EdgeConfig;

/**
 * The edge's {@link RequestLog}: every request one line in the access log and counted in the
 * metrics. Lines are formatted on the caller's event loop and written by the log's own thread
 * ({@link AccessLogWriter}), so a slow or full disk never stalls a connection; with
 * {@code on_failure: refuse} requests are refused (503) while the log cannot take their lines.
 */
public final class Audit implements RequestLog, AutoCloseable {
    private final LineFormat format;
    private final AccessLogWriter writer;
    private final RequestMetrics metrics;
    private final boolean refuseUnlogged;

    private Audit(LineFormat format, AccessLogWriter writer, RequestMetrics metrics, boolean refuseUnlogged) {
        this.format = format;
        this.writer = writer;
        this.metrics = metrics;
        this.refuseUnlogged = refuseUnlogged;
    }

    /** Opens (creates 0640, with its directories) the access log for appending; the metrics go to {@code metrics}. */
    public static Audit open(EdgeConfig.AccessLog config, MeterRegistry metrics) throws IOException {
        return new Audit(LineFormat.of(config), AccessLogWriter.open(config.path(), metrics), new RequestMetrics(metrics),
                config.refuseUnlogged());
    }

    @Override
    public boolean accepting() {
        return !refuseUnlogged || !writer.failing() && writer.hasRoom();
    }

    @Override
    public void completed(AccessRecord request) {
        metrics.completed(request);
        writer.append(format.line(request));
    }

    @Override
    public void upstreamFailed(String service, String reason) {
        metrics.upstreamFailed(service, reason);
    }

    /** SIGHUP: logrotate moved the file away; the next lines go to a new file at the configured path. */
    public void reopen() {
        writer.reopen();
    }

    /** Writes what is queued and closes the file. */
    @Override
    public void close() {
        writer.close();
    }
}
