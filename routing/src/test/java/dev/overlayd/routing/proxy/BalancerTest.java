package dev.overlayd.routing.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import org.junit.jupiter.api.Test;

class BalancerTest {
    private final SplittableRandom random = new SplittableRandom(1);

    @Test
    void equallyLoadedCopiesShareTheRequests() {
        List<Copy> copies = List.of(Instances.copy("a"), Instances.copy("b"), Instances.copy("c"));
        Map<String, Integer> chosen = new HashMap<>();
        for (int i = 0; i < 3000; i++) {
            chosen.merge(Balancer.choose(copies, null, 0, random).id, 1, Integer::sum);
        }
        assertEquals(3, chosen.size());
        chosen.values().forEach(n -> assertTrue(n > 700, "each copy takes about a third: " + chosen));
    }

    @Test
    void theLessLoadedOfTheTwoDrawnWins() {
        Copy busy = Instances.copy("busy");
        Copy idle = Instances.copy("idle");
        busy.inFlight.set(5);
        for (int i = 0; i < 100; i++) {
            assertSame(idle, Balancer.choose(List.of(busy, idle), null, 0, random));
        }
        // Among three, the busiest is never the less loaded of the two drawn.
        Copy other = Instances.copy("other");
        other.inFlight.set(1);
        for (int i = 0; i < 100; i++) {
            assertTrue(Balancer.choose(List.of(busy, idle, other), null, 0, random) != busy);
        }
    }

    @Test
    void theCopyThatFailedAndEjectedCopiesAreNotChosen() {
        Copy a = Instances.copy("a");
        Copy b = Instances.copy("b");
        assertSame(b, Balancer.choose(List.of(a, b), a, 0, random));
        assertNull(Balancer.choose(List.of(a), a, 0, random));
        for (int i = 0; i < 3; i++) {
            a.ejection.failure(0, true);
        }
        for (int i = 0; i < 20; i++) {
            assertSame(b, Balancer.choose(List.of(a, b), null, 10, random));
        }
        assertNull(Balancer.choose(List.of(), null, 0, random));
    }
}
