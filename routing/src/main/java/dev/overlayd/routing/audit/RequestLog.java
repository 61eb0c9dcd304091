package dev.overlayd.routing.audit;

/**
 * Where the edge accounts for its requests: the audit log and the metrics. Called from the event
 * loops, so nothing here blocks for long.
 */
public interface RequestLog {
    /**
     * Whether a request may be served now: false when the audit log cannot be written and the
     * configuration says to refuse requests rather than serve them unlogged (they get 503).
     */
    boolean accepting();

    /** A request is done (answered, failed or cut off): one line in the audit log. */
    void completed(AccessRecord request);

    /** A copy of {@code service} failed a request before answering (refused, reset, timed out): {@code reason} says which. */
    void upstreamFailed(String service, String reason);
}
