package dev.overlayd.routing.proxy;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.List;
import dev.overlayd.routing.discovery.Health;
import org.junit.jupiter.api.Test;

/** Passive health against a clock the test moves: ejection base 1000 ns, after 3 failures in a row. */
class EjectionTest {
    private final Ejection ejection = new Ejection(3, 1000);

    private void fail(long now, int times) {
        for (int i = 0; i < times; i++) {
            ejection.failure(now, true);
        }
    }

    @Test
    void consecutiveFailuresEjectForTheBaseTimesTheEjectionsInARow() {
        fail(0, 2);
        assertFalse(ejection.ejected(0));
        assertTrue(ejection.failure(0, true));
        assertTrue(ejection.ejected(999));
        assertEquals(500, ejection.remaining(500));
        assertFalse(ejection.ejected(1000));
        fail(1000, 3);
        assertTrue(ejection.ejected(2999));
        assertFalse(ejection.ejected(3000));
    }

    @Test
    void aSuccessStartsTheCountOver() {
        fail(0, 2);
        ejection.success(0);
        fail(0, 2);
        assertFalse(ejection.ejected(0));
        fail(0, 1);
        assertTrue(ejection.ejected(0));
        ejection.success(1000);
        fail(1000, 3);
        assertFalse(ejection.ejected(2000), "the ejection after an answer is the base again");
    }

    @Test
    void failuresWhileEjectedDoNotProlongIt() {
        fail(0, 3);
        fail(500, 10);
        assertFalse(ejection.ejected(1000));
    }

    @Test
    void theMultiplierIsCapped() {
        long now = 0;
        for (int i = 1; i <= Ejection.MAX_MULTIPLIER + 3; i++) {
            fail(now, 3);
            now += ejection.remaining(now);
        }
        fail(now, 3);
        assertEquals(Ejection.MAX_MULTIPLIER * 1000L, ejection.remaining(now));
    }

    @Test
    void noMoreThanHalfOfARoutesCopiesAreEjected() {
        List<Copy> copies = List.of(Instances.copy("a"), Instances.copy("b"), Instances.copy("c"), Instances.copy("d"));
        Route route = new Route(null, "/", "web", Route.LABELS, copies, copies, new Route.Counters());
        int ejected = 0;
        for (Copy c : copies) {
            for (int i = 0; i < 3; i++) {
                if (c.ejection.failure(0, route.mayEject(0))) {
                    ejected++;
                }
            }
        }
        assertEquals(2, ejected);
        Route single = new Route(null, "/", "web", Route.LABELS, List.of(Instances.copy("e")),
                List.of(Instances.copy("e")), new Route.Counters());
        assertFalse(single.mayEject(0), "a route's only copy stays");
        assertEquals(Health.PASSING, copies.getFirst().instance().health());
    }
}
