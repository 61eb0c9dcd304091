package dev.overlayd.routing.proxy;

import java.util.List;
import java.util.random.RandomGenerator;

/**
 * Power of two choices on outstanding requests (Envoy's least-request): two copies drawn at random
 * among those not ejected, the one with fewer requests in flight takes the request. Nearly as good
 * as the least loaded of all, without a shared view that every loop would contend on, and without
 * the herd that always choosing the least loaded sends to a copy that just came up.
 */
final class Balancer {
    private Balancer() {}

    /**
     * A copy of {@code copies} for a request, not {@code excluded} (the one that just failed it) nor
     * an ejected one at {@code now}; null when there is none.
     */
    static Copy choose(List<Copy> copies, Copy excluded, long now, RandomGenerator random) {
        Copy[] candidates = new Copy[copies.size()];
        int n = 0;
        for (Copy c : copies) {
            if (c != excluded && !c.ejection.ejected(now)) {
                candidates[n++] = c;
            }
        }
        if (n == 0) {
            return null;
        }
        if (n == 1) {
            return candidates[0];
        }
        int a = random.nextInt(n);
        int b = random.nextInt(n - 1);
        if (b >= a) {
            b++;
        }
        Copy first = candidates[a];
        Copy second = candidates[b];
        return second.inFlight.get() < first.inFlight.get() ? second : first;
    }
}
