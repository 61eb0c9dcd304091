package dev.overlayd.routing.proxy;

import java.util.List;
import java.util.concurrent.atomic.LongAdder;

/**
 * One host and path rule: requests for {@code host} (null: any) whose path begins with {@code path}
 * on whole segments go to one of {@code healthy}; {@code copies} are all the instances it names,
 * healthy or not, for the status. {@code counters} outlive catalog updates.
 */
record Route(String host, String path, String service, String source, List<Copy> copies, List<Copy> healthy,
             Counters counters) {
    static final String LABELS = "labels";
    static final String CONFIG = "overlay.yaml";

    record Counters(LongAdder requests, LongAdder errors) {
        Counters() {
            this(new LongAdder(), new LongAdder());
        }
    }

    /** Whether {@code requestPath} falls under this rule: the prefix, then the end or a '/'. */
    boolean matches(String requestPath) {
        if (!requestPath.startsWith(path)) {
            return false;
        }
        return path.endsWith("/") || requestPath.length() == path.length() || requestPath.charAt(path.length()) == '/';
    }

    /**
     * Whether one more of the healthy copies may be ejected: never more than half of them (Envoy's
     * max ejection idea; so a route of one copy keeps it, and a route never loses all its copies to
     * passive health, whose verdicts can be wrong under load).
     */
    boolean mayEject(long now) {
        int out = 0;
        for (Copy c : healthy) {
            if (c.ejection.ejected(now)) {
                out++;
            }
        }
        return (out + 1) * 2 <= healthy.size();
    }
}
