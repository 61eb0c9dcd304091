package dev.overlayd.routing.proxy;

import java.net.Inet6Address;
import java.net.InetSocketAddress;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;
import dev.overlayd.routing.edge.ClientConnection;

/**
 * What the application learns of the client, all from the connection as the edge knows it and
 * nothing from what the client sent: X-Forwarded-For is the PROXY header's client address only
 * (a client's own X-Forwarded-For, Forwarded or X-Real-IP would let anyone choose the address an
 * audit trail shows: traefik#6567, caddy#1025), X-Forwarded-Proto and -Port say how it reached
 * this node, Forwarded (RFC 7239) says all of it at once. The balancer's health checks (a LOCAL
 * header: no client address) get no X-Forwarded-For and {@code for=unknown}: nothing is invented.
 */
final class ForwardedHeaders {
    static final String X_FORWARDED_FOR = "x-forwarded-for";
    static final String X_FORWARDED_PROTO = "x-forwarded-proto";
    static final String X_FORWARDED_PORT = "x-forwarded-port";
    static final String X_FORWARDED_HOST = "x-forwarded-host";
    static final String X_REAL_IP = "x-real-ip";
    static final String X_REQUEST_ID = "x-request-id";
    static final String FORWARDED = "forwarded";

    private ForwardedHeaders() {}

    /** Replaces every forwarding header of {@code headers} with those of {@code connection} (null: unknown). */
    static void apply(HttpHeaders headers, ClientConnection connection, String requestId) {
        headers.remove(X_FORWARDED_FOR);
        headers.remove(X_FORWARDED_PROTO);
        headers.remove(X_FORWARDED_PORT);
        headers.remove(X_FORWARDED_HOST);
        headers.remove(X_REAL_IP);
        headers.remove(FORWARDED);
        headers.set(X_REQUEST_ID, requestId);
        if (connection == null) {
            return;
        }
        InetSocketAddress client = connection.client();
        if (client != null) {
            headers.set(X_FORWARDED_FOR, client.getAddress().getHostAddress());
        }
        headers.set(X_FORWARDED_PROTO, connection.scheme());
        if (connection.local() != null) {
            headers.set(X_FORWARDED_PORT, Integer.toString(connection.local().getPort()));
        }
        StringBuilder forwarded = new StringBuilder("for=").append(client == null ? "unknown" : node(client));
        if (connection.local() != null) {
            forwarded.append(";by=").append(node(connection.local()));
        }
        forwarded.append(";proto=").append(connection.scheme());
        String host = headers.get(HttpHeaderNames.HOST);
        if (host != null && !host.isEmpty()) {
            forwarded.append(";host=").append(value(host));
        }
        headers.set(FORWARDED, forwarded.toString());
    }

    /** A node in RFC 7239's syntax: "ip:port", IPv6 in brackets, quoted since ':' is not a token character. */
    static String node(InetSocketAddress address) {
        String ip = address.getAddress().getHostAddress();
        if (address.getAddress() instanceof Inet6Address) {
            int scope = ip.indexOf('%');
            ip = "[" + (scope < 0 ? ip : ip.substring(0, scope)) + "]";
        }
        return "\"" + ip + ":" + address.getPort() + "\"";
    }

    /** A value as a token if it is one, else a quoted string (RFC 9110 5.6.4). */
    static String value(String text) {
        boolean token = true;
        for (int i = 0; i < text.length() && token; i++) {
            char c = text.charAt(i);
            token = c > 0x20 && c < 0x7f && "\"(),/:;<=>?@[\\]{}".indexOf(c) < 0;
        }
        if (token) {
            return text;
        }
        StringBuilder quoted = new StringBuilder("\"");
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '"' || c == '\\') {
                quoted.append('\\');
            }
            if (c >= 0x20 && c != 0x7f) {
                quoted.append(c);
            }
        }
        return quoted.append('"').toString();
    }
}
