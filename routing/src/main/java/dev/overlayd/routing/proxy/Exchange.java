package dev.overlayd.routing.proxy;

import java.time.Duration;
import java.time.Instant;
import dev.overlayd.routing.audit.AccessRecord;
import dev.overlayd.routing.edge.ClientConnection;

/**
 * What one request's audit line says, filled in as it goes: who asked (from the connection, never
 * from a header), what for, which copy answered, what and how much came back.
 */
final class Exchange {
    /** Not an HTTP status on the wire: the client went away before an answer (nginx's 499). */
    static final int CLIENT_CLOSED = 499;

    final Instant time;
    final long started;
    final ClientConnection connection;
    final String protocol;
    final String method;
    final String host;
    final String path;
    final String query;
    final String requestId;
    Route route;
    Copy copy;
    int status;
    long bytesIn;
    long bytesOut;

    Exchange(Instant time, long started, ClientConnection connection, String protocol, String method, String host,
             String uri, String requestId) {
        this.time = time;
        this.started = started;
        this.connection = connection;
        this.protocol = protocol;
        this.method = method;
        this.host = host;
        String target = originForm(uri);
        int q = target.indexOf('?');
        this.path = q < 0 ? target : target.substring(0, q);
        this.query = q < 0 ? null : target.substring(q + 1);
        this.requestId = requestId;
    }

    /** The path and query of a request target: an absolute-form one (RFC 9112 3.2.2) without its scheme and authority, no fragment. */
    static String originForm(String uri) {
        String target = uri;
        int hash = target.indexOf('#');
        if (hash >= 0) {
            target = target.substring(0, hash);
        }
        if (!target.startsWith("/")) {
            int scheme = target.indexOf("://");
            if (scheme < 0) {
                return target.equals("*") ? "*" : "/" + target;
            }
            int slash = target.indexOf('/', scheme + 3);
            int question = target.indexOf('?', scheme + 3);
            int start = slash < 0 ? question : (question < 0 ? slash : Math.min(slash, question));
            target = start < 0 ? "/" : (target.charAt(start) == '?' ? "/" + target.substring(start) : target.substring(start));
        }
        return target;
    }

    AccessRecord record(long now) {
        ClientConnection c = connection;
        return new AccessRecord(time, c == null ? null : c.client(), c == null ? null : c.balancer(),
                c == null ? null : c.tls(), c == null ? null : c.sni(), protocol, method, host, path, query, status,
                bytesIn, bytesOut, Duration.ofNanos(now - started),
                copy != null ? copy.service() : route != null ? route.service() : null, copy == null ? null : copy.id,
                copy == null ? null : copy.instance().node(), requestId);
    }
}
