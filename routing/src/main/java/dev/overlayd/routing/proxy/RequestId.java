package dev.overlayd.routing.proxy;

import java.util.UUID;

/**
 * The X-Request-Id a request carries from the balancer through the application to the audit log:
 * the one it came with if it looks like an id (1 to 200 visible ASCII characters, nothing a log
 * line or a header could be broken with), else a new random one.
 */
final class RequestId {
    static final int MAX = 200;

    private RequestId() {}

    static String of(String given) {
        return sane(given) ? given : UUID.randomUUID().toString();
    }

    static boolean sane(String id) {
        if (id == null || id.isEmpty() || id.length() > MAX) {
            return false;
        }
        for (int i = 0; i < id.length(); i++) {
            char c = id.charAt(i);
            if (c < 0x21 || c > 0x7e || c == '"' || c == '\\') {
                return false;
            }
        }
        return true;
    }
}
