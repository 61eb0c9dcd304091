package dev.overlayd.containers.docker;

import java.net.InetAddress;
import com.google.common.net.InetAddresses;

/** Docker writes addresses as "a.b.c.d" or "a.b.c.d/len", and "" for none. */
final class Addresses {
    private Addresses() {}

    static InetAddress parseOrNull(String text) {
        int slash = text.indexOf('/');
        String host = slash < 0 ? text : text.substring(0, slash);
        return InetAddresses.isInetAddress(host) ? InetAddresses.forString(host) : null;
    }
}
