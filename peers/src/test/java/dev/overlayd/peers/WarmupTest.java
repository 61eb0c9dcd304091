package dev.overlayd.peers;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class WarmupTest {

    @Test
    void everyRoundTripCrossesBothDevices() throws Exception {
        Warmup.Result result = Warmup.run(200, Duration.ofSeconds(30));
        assertEquals(200, result.roundTrips(), "a handshake, then pings and bursts both ways");
    }

    @Test
    void theBudgetEndsItEarly() throws Exception {
        Warmup.Result result = Warmup.run(Integer.MAX_VALUE, Duration.ofMillis(300));
        assertTrue(result.roundTrips() > 0 && result.roundTrips() < Integer.MAX_VALUE, "stopped by the budget");
    }
}
