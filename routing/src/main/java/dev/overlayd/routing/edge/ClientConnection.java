package dev.overlayd.routing.edge;

import java.net.InetSocketAddress;
import io.netty.channel.Channel;
import io.netty.util.AttributeKey;

/**
 * Who is on the other end of a client connection, as the edge listener learnt it: {@code client}
 * from the balancer's PROXY header (null for the balancer's own health checks, a LOCAL header: never
 * the socket's address, never a request header), {@code balancer} the socket's peer; the TLS
 * version, SNI name and ALPN protocol once the handshake is done (null on the plain-HTTP port).
 * Set on the connection's channel; an HTTP/2 stream's channel finds it on its parent.
 */
public record ClientConnection(InetSocketAddress client, InetSocketAddress balancer, InetSocketAddress local,
                               String tls, String sni, String alpn) {
    public static final AttributeKey<ClientConnection> KEY = AttributeKey.valueOf("overlayd.edge.client");

    /** The connection {@code channel} (or the HTTP/2 connection it is a stream of) belongs to; null before its PROXY header. */
    public static ClientConnection of(Channel channel) {
        for (Channel c = channel; c != null; c = c.parent()) {
            ClientConnection found = c.attr(KEY).get();
            if (found != null) {
                return found;
            }
        }
        return null;
    }

    /** The same connection once TLS is up. */
    public ClientConnection withTls(String version, String serverName, String protocol) {
        return new ClientConnection(client, balancer, local, version, serverName, protocol);
    }

    /** The scheme the client used: what X-Forwarded-Proto and Forwarded say. */
    public String scheme() {
        return tls == null ? "http" : "https";
    }
}
