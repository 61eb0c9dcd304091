package dev.overlayd.routing.proxy;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaders;

/**
 * The headers that belong to one connection, not to the message (RFC 9110 7.6.1), which a proxy
 * takes out in both directions: Connection and every header it names, Keep-Alive, TE, Trailer,
 * Transfer-Encoding (each side frames the body itself), Upgrade (but a WebSocket's), and every
 * Proxy-* header (Proxy-Authorization is for this hop; "Proxy" is httpoxy's).
 */
final class HopByHop {
    private HopByHop() {}

    /** Whether {@code headers} ask to switch this connection to WebSocket (Connection: upgrade, Upgrade: websocket). */
    static boolean websocket(HttpHeaders headers) {
        return headers.containsValue(HttpHeaderNames.CONNECTION, "upgrade", true)
                && headers.containsValue(HttpHeaderNames.UPGRADE, "websocket", true);
    }

    /** Removes them; {@code keepUpgrade}: a WebSocket upgrade, whose Connection: Upgrade and Upgrade pass on. */
    static void remove(HttpHeaders headers, boolean keepUpgrade) {
        for (String named : headers.getAll(HttpHeaderNames.CONNECTION)) {
            for (String token : named.split(",")) {
                String name = token.strip();
                if (!name.isEmpty() && !(keepUpgrade && name.equalsIgnoreCase("upgrade"))) {
                    headers.remove(name);
                }
            }
        }
        headers.remove(HttpHeaderNames.CONNECTION);
        headers.remove(HttpHeaderNames.KEEP_ALIVE);
        headers.remove(HttpHeaderNames.TE);
        headers.remove(HttpHeaderNames.TRAILER);
        headers.remove(HttpHeaderNames.TRANSFER_ENCODING);
        if (keepUpgrade) {
            headers.set(HttpHeaderNames.CONNECTION, HttpHeaderNames.UPGRADE);
        } else {
            headers.remove(HttpHeaderNames.UPGRADE);
        }
        List<String> proxy = new ArrayList<>();
        for (String name : headers.names()) {
            String lower = name.toLowerCase(Locale.ROOT);
            if (lower.startsWith("proxy-") || lower.equals("proxy")) {
                proxy.add(name);
            }
        }
        proxy.forEach(headers::remove);
    }
}
