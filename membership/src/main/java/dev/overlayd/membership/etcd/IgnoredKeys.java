package dev.overlayd.membership.etcd;

import com.fasterxml.jackson.core.io.JsonStringEncoder;
import java.util.HashSet;
import java.util.Set;
import java.util.logging.Logger;

/**
 * Says why a value in etcd is ignored, once per key and for at most {@link #MAX_LOGGED_KEYS} keys:
 * whoever can write to etcd decides how many there are, and the counts say the rest.
 */
final class IgnoredKeys {
    private static final int MAX_LOGGED_KEYS = 256;

    private final Logger log;
    private final Set<String> logged = new HashSet<>();

    IgnoredKeys(Logger log) {
        this.log = log;
    }

    void log(String what, String key, String why) {
        if (logged.size() < MAX_LOGGED_KEYS && logged.add(key)) {
            // The key and the reason may hold whatever a writer to etcd put there: escaped, one line.
            log.warning("etcd: ignoring the " + what + " at " + escaped(key) + ": " + escaped(why)
                    + " (further values ignored at this key are only counted)");
        }
    }

    private static String escaped(String text) {
        return new String(JsonStringEncoder.getInstance().quoteAsString(text));
    }
}
